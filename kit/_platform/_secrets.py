"""The secret values of a platform, and the one function that masks them in everything kit shows.

Every table, record, repr, HTML view, panel widget, warning, error message and CLI line kit
produces passes through :class:`Secrets` last (texts before they are cut). Rules:

* A **long** secret (a ``str`` of at least :data:`SUBSTRING_MIN` = 6 characters) is replaced by
  ``***`` wherever it appears inside any text: raw, URL-encoded (``quote``, ``quote_plus``),
  JSON- or repr-escaped (``\\"``, ``\\u00e9``), HTML-escaped, inside base64 (``Basic`` auth of
  ``user:secret`` included) and in dict keys (``k_<secret>`` becomes ``k_***``).
* A **short** secret (fewer than 6 characters) and a **non-string** secret (an ``int``, a
  ``float``: its ``str()``) are replaced only where they stand whole as a value: a whole value in
  data (a field, a header, a list item), a quoted string that is not a key (``"2024"``,
  ``'2024'``), a value after ``=``, ``[``, ``,``, ``(`` or a quoted key's ``:`` (a query or form
  value, a JSON or repr value) followed by a separator, a whole line, the user or password of a
  Basic-auth header. Never inside other text, nor as a dict key (a one-letter secret ``"k"`` would
  hide every ``{"k": ...}``): with the secret ``2024``, ``started 2024-01-01`` is left alone.
* ``None``, booleans and empty values are never secrets (masking every ``True`` would hide data).

A non-secret value is never changed.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Mapping
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
SUBSTRING_MIN = 6
_B64_STABLE_MIN = 8  # base64 fragments shorter than this are not matched (they could be ordinary text)
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"  # what requests leaves unquoted in a URL (requests.utils.requote_uri)
_BASIC = re.compile(r"(?i)(\bbasic\s+)([A-Za-z0-9+/_-]{4,}={0,2})")


def _plain(value: Any) -> Any:
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value


def _as_data(value: Any) -> Any:
    """A model instance as its dump (a configuration given as a model); other values as they are."""
    from kit.utils import is_model_instance, model_dump

    return model_dump(value) if is_model_instance(value) else value


def _escapes(text: str) -> set[str]:
    """The forms a text takes once encoded: URL (a query value, a form value, a path as requests quotes
    it), JSON (once and twice), the repr of the text and of its UTF-8 bytes, HTML escapes."""
    forms = {text, quote(text, safe=""), quote(text), quote_plus(text), quote(text, safe=_URI_SAFE)}
    for ascii_only in (True, False):
        once = json.dumps(text, ensure_ascii=ascii_only)[1:-1]
        forms |= {once, json.dumps(once, ensure_ascii=ascii_only)[1:-1]}
    forms |= {repr(text)[1:-1], repr(text.encode())[2:-1], html.escape(text), html.escape(text, quote=False)}
    return {f for f in forms if f}


def _base64_fragments(text: str) -> set[str]:
    """The parts of the base64 of any bytes holding ``text`` that depend on ``text`` alone (one per alignment)."""
    data = text.encode()
    fragments = set()
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + data).decode()
        start = 4 if pad else 0
        end = len(encoded) - (4 if (pad + len(data)) % 3 else 0)
        fragment = encoded[start:end]
        if len(fragment) >= _B64_STABLE_MIN:
            fragments |= {fragment, fragment.replace("+", "-").replace("/", "_")}
    return fragments


class Secrets:
    """The secret values a platform knows, and masked copies of anything that may show them.

    ``secrets(value)`` masks a ``str``, ``bytes``, nested JSON-like data (dicts, with their keys,
    lists, tuples) or a scalar; :meth:`text`, :meth:`data`, :meth:`bytes` do one kind each and
    :meth:`mask_exception` an exception's arguments.
    See the module docstring for what is matched where.
    """

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self._long: dict[str, None] = {}
        self._whole: dict[str, None] = {}
        # the compiled patterns (None: to compile again, after an add)
        self._patterns: tuple[re.Pattern | None, re.Pattern | None] | None = None
        for value in values:
            self.add(value)

    @classmethod
    def from_data(cls, data: Any, names: Iterable[str]) -> "Secrets":
        """The secrets of ``data`` (a dict or model dump): the values of the keys in ``names``."""
        secrets = cls()
        secrets.add_fields(data, names)
        return secrets

    def add_fields(self, data: Any, names: Iterable[str]) -> None:
        """Add the values of ``data``'s keys named in ``names`` (``data`` a dict or a model instance; else nothing)."""
        data = _as_data(data)
        if isinstance(data, Mapping):
            for name in names:
                if name in data:
                    self.add(data[name])

    def add_paths(self, data: Any, paths: Iterable[tuple[str, ...]]) -> None:
        """Add the values found in ``data`` (a dict or a model instance) along each path (through lists of
        items on the way)."""
        data = _as_data(data)
        for path in paths:
            found = [data]
            for key in path:
                found = [
                    item[key]
                    for value in found
                    for item in (value if isinstance(value, (list, tuple)) else [value])
                    if isinstance(item, Mapping) and key in item
                ]
            for value in found:
                self.add(value)

    def add(self, value: Any) -> None:
        """Add a secret value (a ``SecretStr`` is unwrapped; a dict or list adds each of its values)."""
        value = _plain(value)
        if isinstance(value, Mapping):
            for item in value.values():
                self.add(item)
            return
        if isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                self.add(item)
            return
        if value is None or isinstance(value, bool):
            return
        text = str(value)
        if not text.strip():
            return
        target = self._long if isinstance(value, str) and len(text) >= SUBSTRING_MIN else self._whole
        if text not in target:
            target[text] = None
            self._patterns = None

    def __bool__(self) -> bool:
        return bool(self._long or self._whole)

    @property
    def values(self) -> tuple[str, ...]:
        """The secret values (as text), long ones first."""
        return (*self._long, *self._whole)

    # -- matching ------------------------------------------------------------------------
    def _compile(self) -> tuple[re.Pattern | None, re.Pattern | None]:
        """(the pattern of the long secrets' forms, the pattern of the short ones standing whole)."""
        forms: set[str] = set()
        for text in self._long:
            forms |= _escapes(text) | _base64_fragments(text)
        alternatives = sorted(forms, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None
        whole_pattern = None
        whole: set[str] = set()
        for text in self._whole:
            whole |= _escapes(text)
        if whole:
            values = "|".join(map(re.escape, sorted(whole, key=len, reverse=True)))
            whole_pattern = re.compile(
                rf"(?P<q>[\"'])(?:{values})(?P=q)(?!\s*:)"  # a quoted string standing whole (not a key)
                rf"|(?:(?<=[=\[,(])|(?<=[\"']:)|^)(?P<sp>[ \t]*)(?:{values})(?=[\s,}}\])&;#]|$)",
                re.M,
            )
        self._patterns = (pattern, whole_pattern)
        return self._patterns

    def _is_whole(self, text: str) -> bool:
        stripped = text.strip()
        return stripped in self._long or stripped in self._whole

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by ``***`` (see the module docstring for the rules)."""
        if not isinstance(text, str) or not text or not (self._long or self._whole):
            return text
        pattern, whole_pattern = self._patterns or self._compile()
        if self._is_whole(text):
            return MASK
        if "asic" in text or "ASIC" in text:
            text = _BASIC.sub(self._basic, text)
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if whole_pattern is not None:
            text = whole_pattern.sub(self._whole_replacement, text)
        return text

    @staticmethod
    def _whole_replacement(match: re.Match) -> str:
        quote_char = match.group("q")
        if quote_char:
            return f"{quote_char}{MASK}{quote_char}"
        before = match.string[max(match.start() - 2, 0) : match.start()]
        if before[-1:] not in (":", "[", ","):
            return match.group("sp") + MASK
        # a bare JSON or repr value becomes the string '***' (quoted as its key is), so JSON stays JSON
        quote_char = "'" if before == "':" else '"'
        return f"{match.group('sp')}{quote_char}{MASK}{quote_char}"

    def _basic(self, match: re.Match) -> str:
        token = match.group(2)
        try:
            decoded = base64.b64decode(
                token + "=" * (-len(token) % 4), altchars=b"-_" if "-" in token or "_" in token else None
            ).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return match.group(0)
        parts = decoded.split(":", 1)
        if any(part and self._is_whole(part) for part in parts) or any(s in decoded for s in self._long):
            return match.group(1) + MASK
        return match.group(0)

    def data(self, value: Any) -> Any:
        """A masked copy of JSON-like data: strings (dict keys too) and whole scalar values."""
        if not (self._long or self._whole):
            return value
        return self._data(value)

    def _data(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {self._key(k): self._data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._data(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._data(v) for v in value)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.bytes(value)
        if hasattr(value, "get_secret_value"):
            return MASK
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and str(value) in self._whole:
            return MASK
        return value

    def _key(self, key: Any) -> Any:
        # a key is masked where a long secret is inside it; a short one equal to it is left (see the module docstring)
        if not isinstance(key, str) or key.strip() in self._whole:
            return key
        return self.text(key)

    def bytes(self, data: bytes) -> bytes:
        """``data`` masked as UTF-8 text (bytes that are not UTF-8 are returned as they are)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        masked = self.text(text)
        return data if masked == text else masked.encode("utf-8")

    def mask_exception(self, error: BaseException) -> BaseException:
        """``error`` with the secrets in its arguments masked (in place, so its type and traceback stay)."""
        if self and error.args:
            masked = tuple(self._data(a) if isinstance(a, (str, Mapping, list, tuple)) else a for a in error.args)
            if masked != error.args:
                error.args = masked
        return error

    def __call__(self, value: Any) -> Any:
        """A masked copy of ``value``: text, bytes, nested data or a scalar (anything else unchanged)."""
        if isinstance(value, str):
            return self.text(value)
        return self.data(value)
