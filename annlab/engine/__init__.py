"""The maths: activations, losses, the network's forward and backward passes, gradients and
training. Every function takes the array namespace ``xp`` (NumPy or CuPy) chosen once by
``annlab.engine.backend``; nothing here imports CuPy or any UI library."""
