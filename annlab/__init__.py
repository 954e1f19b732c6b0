"""annlab: a terminal lab that shows, number by number, how a neural network learns.

The core (``annlab.scenario``, ``annlab.engine``, ``annlab.trace``, ``annlab.playback``)
imports neither Textual, plotext nor CuPy; only ``annlab.app`` draws, and only
``annlab.engine.backend`` touches CuPy, lazily.
"""

__version__ = "0.1.0"
