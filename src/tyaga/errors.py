"""The project's exceptions.

Every error caused by user input is an :class:`InputError` that names the file (when there is one),
the field, the value given and what is allowed, so the CLI can print one clear line and exit with 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(ValueError):
    """Bad user input: a field with a value outside what is allowed.

    Parameters
    ----------
    field:
        Name of the offending field, e.g. ``"body.mass_kg"`` or ``"speed_kmh (row 12)"``.
    value:
        The value that was given (any type; shown with ``repr``).
    allowed:
        Human-readable description of the allowed values, e.g. ``"> 0"`` or ``"0 ≤ x ≤ 1"``.
    source:
        File the value came from, if any.
    hint:
        Extra text, e.g. a "did you mean" suggestion.
    """

    def __init__(
        self,
        field: str,
        value: object,
        allowed: str,
        source: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.source = source
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}{self.field} = {_show(self.value)} is not allowed; allowed: {self.allowed}"
        if self.hint:
            text += f". {self.hint}"
        return text

    def with_source(self, source: str) -> InputError:
        """Return a copy of this error that names ``source`` as the file."""
        return InputError(self.field, self.value, self.allowed, source=source, hint=self.hint)


class UnknownNameError(InputError, KeyError):
    """A bundled cell, vehicle or cycle name that does not exist."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.4)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None
        super().__init__(kind, name, "one of " + ", ".join(known), hint=hint)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self._message()


def _show(value: object) -> str:
    """``repr`` of a value, NumPy scalars shown as plain numbers (``2.0``, not ``np.float64(2.0)``)."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()  # type: ignore[attr-defined]
    return repr(value)


def suggest(name: str, known: Iterable[str]) -> str | None:
    """Closest match of ``name`` in ``known`` (or ``None``)."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.4)
    return close[0] if close else None
