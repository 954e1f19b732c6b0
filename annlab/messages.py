"""Messages as data: what the engine has to say, as a code with its values.

The engine, the loader's model and the Trace never hold sentences: a divergence, a backend
choice, a fallback or a stuck weight is a ``Message`` such as
``Message.of("stuck", parameter="W1[1,1]", value=12755.16, spacing=0.000977)``. Words are made
at the edge, in the learner's language (``annlab.playback.words``, through gettext), by the
text narration, the app and the JSON (which carries the code, its values and the words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    code: str
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **values: Any) -> "Message":
        return cls(code, tuple(values.items()))

    def __getitem__(self, key: str) -> Any:
        for name, value in self.values:
            if name == key:
                return value
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)
