"""The CEL facade: analysis (references, paths, functions, types), conversion and error mapping."""

from __future__ import annotations

import pytest

from kroless.cel import Activation, CELEnvironment, Program
from kroless.cel.ast import parse
from kroless.errors import CELError, DataPendingError

ENV = CELEnvironment(["schema", "db", "vpc"])

DATA = {
    "schema": {
        "metadata": {"name": "demo"},
        "spec": {"name": "app", "replicas": 3, "ratio": 0.5, "tags": ["a"]},
    },
    "db": {"status": {"endpoint": "db:5432", "items": [{"name": "x"}]}},
    "vpc": {"status": {}},
}


def test_compile_returns_cached_program() -> None:
    p = ENV.compile("schema.spec.name")
    assert isinstance(p, Program)
    assert ENV.compile("schema.spec.name") is p
    assert p.source == "schema.spec.name"


@pytest.mark.parametrize(
    "expr,refs,paths",
    [
        (
            'schema.spec.name + "-" + db.status.endpoint',
            ["schema", "db"],
            [("schema", "spec", "name"), ("db", "status", "endpoint")],
        ),
        ("db.status.endpoint + schema.spec.name + db.status.endpoint", ["db", "schema"], None),
        ("schema", ["schema"], []),
        ("size(schema.spec.tags) > 0", ["schema"], [("schema", "spec", "tags")]),
        ("db.status.items.map(i, i.name)", ["db"], [("db", "status", "items")]),
        ("db.status.items.map(schema, schema.name)", ["db"], [("db", "status", "items")]),
        ("cel.bind(vpc, 1, vpc + 1)", [], []),
        ("[1, 2].all(i, v, v > 0)", [], []),
        ("db.status.items[0].name", ["db"], [("db", "status", "items", "[]", "name")]),
        (
            'schema.metadata.labels["app.kubernetes.io/name"]',
            ["schema"],
            [("schema", "metadata", "labels", "app.kubernetes.io/name")],
        ),
        ("schema.?spec.?x.orValue(1)", ["schema"], [("schema", "?spec", "?x")]),
        ("has(schema.spec.x)", ["schema"], [("schema", "spec", "?x")]),
        (
            "db.status[schema.spec.name]",
            ["db", "schema"],
            [("db", "status", "[]"), ("schema", "spec", "name")],
        ),
        ('"x" in schema.spec', ["schema"], [("schema", "spec")]),
    ],
)
def test_references_and_select_paths(expr: str, refs: list[str], paths: list[tuple[str, ...]] | None) -> None:
    p = ENV.compile(expr)
    assert p.references == refs
    if paths is not None:
        assert p.select_paths == paths


@pytest.mark.parametrize(
    "expr,functions",
    [
        ("schema.spec.name + 'x'", set()),
        ("size(schema.spec.tags)", {"size"}),
        ("{'a': 1}.merge(schema.spec)", {"merge"}),
        ("random.seededString(5, schema.metadata.name).upperAscii()", {"random.seededString", "upperAscii"}),
        ("schema.spec.tags.map(t, t.lowerAscii())", {"lowerAscii"}),
    ],
)
def test_functions(expr: str, functions: set[str]) -> None:
    assert ENV.compile(expr).functions == functions


@pytest.mark.parametrize(
    "expr,type_text",
    [
        ("'a'", "string"),
        ("1 == 1", "bool"),
        ("1", "int"),
        ("1u", "uint"),
        ("1.5", "double"),
        ("b'a'", "bytes"),
        ("null", "null_type"),
        ("schema.spec", "dyn"),
        ("[schema.spec]", "list(dyn)"),
        ("['a']", "list(string)"),
        ("{'a': schema}", "map(string, dyn)"),
        ("{'a': 1}", "map(string, int)"),
        ("schema.?spec", "optional_type(dyn)"),
        ("optional.of(true)", "optional_type(bool)"),
        ("duration('1s')", "google.protobuf.Duration"),
        ("timestamp('2020-01-01T00:00:00Z')", "google.protobuf.Timestamp"),
        ("type(1)", "type(int)"),
    ],
)
def test_output_type(expr: str, type_text: str) -> None:
    assert ENV.compile(expr).output_type == type_text


@pytest.mark.parametrize(
    "expr,expected",
    [
        ('schema.spec.name + "-" + db.status.endpoint', "app-db:5432"),
        ("schema.spec.replicas", 3),
        ("schema.spec.replicas * 2", 6),
        ("schema.spec.ratio", 0.5),
        ("schema.spec", DATA["schema"]["spec"]),  # type: ignore[index]
        ("[schema.spec.replicas, true, null]", [3, True, None]),
        ("schema.?spec.?name", "app"),
        ("schema.?spec.?nope", None),
        ("optional.none()", None),
        ("db.status.?items[?0].?name.orValue('')", "x"),
        ("b'\\x00ab'", b"\x00ab"),
    ],
)
def test_evaluate(expr: str, expected: object) -> None:
    assert ENV.compile(expr).evaluate(DATA) == expected


def test_int_stays_int_and_float_stays_float() -> None:
    out = ENV.compile("[schema.spec.replicas, schema.spec.ratio]").evaluate(DATA)
    assert [type(v) for v in out] == [int, float]


def test_bytes_round_trip_with_nul() -> None:
    env = CELEnvironment(["x"])
    assert env.compile("x").evaluate({"x": b"a\x00b"}) == b"a\x00b"
    assert env.compile("size(x)").evaluate({"x": b"\x00\x01"}) == 2
    assert env.compile("x.k").evaluate({"x": {"k": b"a\x00"}}) == b"a\x00"


def test_prebuilt_activation_reused_across_programs() -> None:
    act = ENV.compile("schema.spec.name").activation(DATA)
    assert isinstance(act, Activation)
    assert ENV.compile("schema.spec.name").evaluate(act) == "app"
    assert ENV.compile("db.status.endpoint").evaluate(act) == "db:5432"
    assert ENV.activation(DATA).data is DATA


@pytest.mark.parametrize(
    "expr,msg",
    [
        ("schema.spec.missing", "no such key: missing"),
        ("vpc.status.vpcID", "no such key: vpcID"),
        ("db.status.items[5]", "index out of bounds: 5"),
        ("schema.spec.tags[1] + 'x'", "index out of bounds: 1"),
    ],
)
def test_pending_errors(expr: str, msg: str) -> None:
    with pytest.raises(DataPendingError) as ei:
        ENV.compile(expr).evaluate(DATA)
    assert str(ei.value) == msg


def test_missing_variable_is_pending() -> None:
    with pytest.raises(DataPendingError, match="no such attribute"):
        ENV.compile("vpc.status").evaluate({"schema": {}})


@pytest.mark.parametrize(
    "expr,msg",
    [
        ("1 / 0", "divide by zero"),
        ("int('abc')", "cannot convert string to int"),
        ("schema.spec.name + schema.spec.replicas", "no such overload"),
        ("9223372036854775807 + schema.spec.replicas", "integer overflow"),
    ],
)
def test_real_errors_are_not_pending(expr: str, msg: str) -> None:
    with pytest.raises(CELError, match=msg) as ei:
        ENV.compile(expr).evaluate(DATA)
    assert not isinstance(ei.value, DataPendingError)


def test_optional_leaking_in_dyn_result_is_a_clean_error() -> None:
    with pytest.raises(CELError, match="optional value"):
        ENV.compile("dyn(schema.?spec)").evaluate(DATA)


@pytest.mark.parametrize(
    "expr,msg",
    [
        ("nope.x", "undeclared reference to 'nope"),
        ("schema.spec.", "Syntax error"),
        ("'a' + 1", "found no matching overload for '_+_'"),
    ],
)
def test_compile_errors(expr: str, msg: str) -> None:
    with pytest.raises(CELError) as ei:
        ENV.compile(expr)
    text = str(ei.value)
    assert msg in text
    assert text.startswith("ERROR: <input>:")
    assert "INVALID_ARGUMENT" not in text


def test_multiline_and_comment_with_optional_output() -> None:
    p = ENV.compile("schema.?spec.?name // trailing comment")
    assert p.output_type == "optional_type(dyn)"
    assert p.evaluate(DATA) == "app"


def test_protobuf_reader_varints_and_lengths() -> None:
    # field 1 varint 300, field 2 bytes "hi"
    assert parse(b"\x08\xac\x02\x12\x02hi") == {1: [300], 2: [b"hi"]}
