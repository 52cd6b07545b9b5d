from __future__ import annotations

import typing as t
from collections import OrderedDict
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from uuid import UUID

import pytest
from markupsafe import Markup

from flask.json.tag import JSONTag
from flask.json.tag import PassDict
from flask.json.tag import PassList
from flask.json.tag import TagDict
from flask.json.tag import TaggedJSONSerializer
from flask.json.tag import TagTuple


@pytest.mark.parametrize(
    "data",
    [
        {" t": (1, 2, 3)},
        {" t__": b"a"},
        {" di": " di"},
        {"x": (1, 2, 3), "y": 4},
        (1, 2, 3),
        [(1, 2, 3)],
        b"\xff",
        Markup("<html>"),
        UUID("c1f1e2b5-6b1a-4b3c-9a3b-9e0d2f1a7c55"),
        datetime(2024, 3, 1, 12, 30, 5, tzinfo=timezone.utc),
        {" di": {" t": (1,)}},
        [[], {}, ()],
        "plain",
        None,
        1.5,
    ],
)
def test_round_trip(data: t.Any) -> None:
    s = TaggedJSONSerializer()
    assert s.loads(s.dumps(data)) == data


def test_round_trip_types_are_restored() -> None:
    s = TaggedJSONSerializer()
    out = s.loads(s.dumps({"t": (1, [2, (3,)]), "m": Markup("<b>"), "b": b""}))
    assert type(out["t"]) is tuple
    assert type(out["t"][1][1]) is tuple
    assert type(out["m"]) is Markup
    assert out["b"] == b""


def test_exact_output() -> None:
    # The wire format is shared with other implementations: keep it exact.
    s = TaggedJSONSerializer()
    assert s.dumps((1, b"x\xff")) == '{" t":[1,{" b":"eP8="}]}'
    assert s.dumps({" t": 1}) == '{" di":{" t__":1}}'
    assert s.dumps({" t": 1, "y": 2}) == '{" t":1,"y":2}'
    assert s.dumps(Markup("<b>")) == '{" m":"<b>"}'
    assert s.dumps(UUID(int=5)) == '{" u":"00000000000000000000000000000005"}'
    assert s.dumps("é") == '"\\u00e9"'
    assert s.dumps([(), {"a": b""}]) == '[{" t":[]},{"a":{" b":""}}]'


def test_untagged_dict_key_order_kept_outside_app() -> None:
    s = TaggedJSONSerializer()
    assert s.dumps({"b": 1, "a": 2}) == '{"b":1,"a":2}'


def test_datetime_is_utc_with_seconds() -> None:
    s = TaggedJSONSerializer()
    local = datetime(2020, 1, 2, 3, 4, 5, 999, tzinfo=timezone(timedelta(hours=2)))
    assert s.dumps(local) == '{" d":"Thu, 02 Jan 2020 01:04:05 GMT"}'
    assert s.loads(s.dumps(local)) == datetime(2020, 1, 2, 1, 4, 5, tzinfo=timezone.utc)


def test_naive_datetime_taken_as_utc() -> None:
    s = TaggedJSONSerializer()
    value = s.loads(s.dumps(datetime(2020, 1, 2, 3, 4, 5)))
    assert value == datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_html_object_loads_as_markup() -> None:
    class HTML:
        def __html__(self) -> str:
            return "<i>x</i>"

    s = TaggedJSONSerializer()
    out = s.loads(s.dumps(HTML()))
    assert out == Markup("<i>x</i>")
    assert isinstance(out, Markup)


def test_unknown_tag_key_passes_through() -> None:
    s = TaggedJSONSerializer()
    assert s.loads('{" zz":1}') == {" zz": 1}
    assert s.untag({"a": 1, "b": 2}) == {"a": 1, "b": 2}


def test_default_order() -> None:
    s = TaggedJSONSerializer()
    assert [type(tag) for tag in s.order] == s.default_tags
    assert list(s.tags) == [" di", " t", " b", " m", " u", " d"]
    assert isinstance(s.order[0], TagDict)
    assert isinstance(s.order[1], PassDict)
    assert isinstance(s.order[3], PassList)


class TagOrderedDict(JSONTag):
    __slots__ = ()
    key = " od"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, OrderedDict)

    def to_json(self, value: t.Any) -> t.Any:
        return [[k, self.serializer.tag(v)] for k, v in value.items()]

    def to_python(self, value: t.Any) -> t.Any:
        return OrderedDict(value)


def test_custom_tag() -> None:
    s = TaggedJSONSerializer()
    s.register(TagOrderedDict, index=0)
    data = OrderedDict([("b", (1,)), ("a", 2)])
    text = s.dumps(data)
    assert text == '{" od":[["b",{" t":[1]}],["a",2]]}'
    out = s.loads(text)
    assert isinstance(out, OrderedDict)
    assert out == data
    assert out["b"] == (1,)


def test_custom_tag_appended_after_pass_dict_is_never_used() -> None:
    # OrderedDict is a dict, so PassDict claims it first.
    s = TaggedJSONSerializer()
    s.register(TagOrderedDict)
    assert s.order[-1].key == " od"
    assert s.dumps(OrderedDict(a=1)) == '{"a":1}'


def test_duplicate_tag_key() -> None:
    class TagDup(TagTuple):
        __slots__ = ()

    s = TaggedJSONSerializer()
    with pytest.raises(KeyError, match="' t'"):
        s.register(TagDup)
    s.register(TagDup, force=True)
    assert type(s.tags[" t"]) is TagDup


def test_tag_without_key_is_not_in_lookup() -> None:
    class PassSet(JSONTag):
        __slots__ = ()

        def check(self, value: t.Any) -> bool:
            return isinstance(value, (set, frozenset))

        def to_json(self, value: t.Any) -> t.Any:
            return sorted(value)

        tag = to_json

    s = TaggedJSONSerializer()
    s.register(PassSet)
    assert "" not in s.tags
    assert s.dumps({3, 1, 2}) == "[1,2,3]"


def test_base_tag_methods_not_implemented() -> None:
    tag = JSONTag(TaggedJSONSerializer())
    for method in (tag.check, tag.to_json, tag.to_python):
        with pytest.raises(NotImplementedError):
            method(1)
    assert tag.key == ""


def test_tag_has_serializer() -> None:
    s = TaggedJSONSerializer()
    assert all(tag.serializer is s for tag in s.order)


def test_uses_app_json_provider_in_app_context(app: t.Any) -> None:
    s = TaggedJSONSerializer()
    with app.app_context():
        # The default provider sorts keys.
        assert s.dumps({"b": 1, "a": (2,)}) == '{"a":{" t":[2]},"b":1}'


def test_custom_tag_for_plain_strings_is_used() -> None:
    """A registered tag may claim plain str values and one-key dicts; the
    shortcut for built-in types must not bypass it."""

    class TagAt(JSONTag):
        __slots__ = ()
        key = " at"

        def check(self, value: t.Any) -> bool:
            return isinstance(value, str) and value.startswith("@")

        def to_json(self, value: t.Any) -> t.Any:
            return value[1:]

        def to_python(self, value: t.Any) -> t.Any:
            return "@" + value

    s = TaggedJSONSerializer()
    s.register(TagAt, index=0)
    data = {"user": "@alice", "n": 1, "nested": {"k": "@bob"}}
    assert s.tag(data) == {
        "user": {" at": "alice"},
        "n": 1,
        "nested": {"k": {" at": "bob"}},
    }
    assert s.loads(s.dumps(data)) == data
    # Appended at the end it is still checked for strings.
    s2 = TaggedJSONSerializer()
    s2.register(TagAt)
    assert s2.tag("@x") == {" at": "x"}
