"""Kubernetes CEL libraries (k8s.io/apiserver/pkg/cel/library): lists.go examples and quantity_test.go cases."""

from __future__ import annotations

import pytest
from cel_expr_python import cel

from kroless.cel import CELEnvironment
from kroless.cel.concat import LEFT_DEEP_LIMIT, concat_expression
from kroless.cel.library.k8s_lists import index_of, last_index_of
from kroless.errors import CELError

ENV = CELEnvironment(["schema"])


def ev(expr: str, **variables: object) -> object:
    return ENV.compile(expr).evaluate(variables or {"schema": {}})


# ── lists (lists.go doc examples) ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "expr,expected",
    [
        ("[1, 2, 3].isSorted()", True),
        ("['a', 'b', 'b', 'c'].isSorted()", True),
        ("[2.0, 1.0].isSorted()", False),
        ("[1].isSorted()", True),
        ("[].isSorted()", True),
        ("[duration('1s'), duration('1m')].isSorted()", True),
        ("[1, 3].sum()", 4),
        ("[1.0, 3.0].sum()", 4.0),
        ("[].sum()", 0),
        ("[100, 200, 300].sum()", 600),
        ("string([100, 200, 300].sum())", "600"),
        ("[1, 3].min()", 1),
        ("[1, 3].max()", 3),
        ("[1].min()", 1),
        ("([0] + []).min()", 0),
        ("['b', 'c', 'a'].max()", "c"),
        ("[true, false].min()", False),
    ],
)
def test_lists(expr: str, expected: object) -> None:
    out = ev(expr)
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize(
    "expr,output_type",
    [("[1, 3].sum()", "int"), ("[1.0].sum()", "double"), ("['a'].min()", "string"), ("[1].isSorted()", "bool")],
)
def test_lists_output_types_follow_the_element_type(expr: str, output_type: str) -> None:
    assert ENV.compile(expr).output_type == output_type


def test_lists_on_dyn_data() -> None:
    assert ev("schema.l.sum()", schema={"l": [1, 5, 2]}) == 8
    assert ev("schema.l.max()", schema={"l": [1, 5, 2]}) == 5
    assert ev("schema.l.isSorted()", schema={"l": ["a", "b"]}) is True


@pytest.mark.parametrize(
    "expr,msg", [("[].min()", "min called on empty list"), ("[].max()", "max called on empty list")]
)
def test_lists_min_max_empty(expr: str, msg: str) -> None:
    with pytest.raises(CELError, match=msg):
        ev(expr)


@pytest.mark.parametrize("expr", ["['a'].sum()", "[{'a': 1}].min()"])
def test_lists_compile_errors(expr: str) -> None:
    with pytest.raises(CELError, match="no matching overload"):
        ENV.compile(expr)


def test_lists_index_of_behaviour() -> None:
    # lists.go examples; not declared in CEL (the strings extension owns the names), see k8s_lists.py
    assert index_of([1, 2, 2, 3], 2) == 1
    assert last_index_of(["a", "b", "b", "c"], "b") == 2
    assert index_of([1.0], 1.1) == -1
    assert index_of([], "string") == -1
    assert index_of([1], 1.0) == 0 and index_of([True], 1) == -1  # CEL equality, not Python's


# ── quantity (quantity_test.go TestQuantity) ────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "expr,expected",
    [
        ('quantity("12Mi")', "12Mi"),
        ('isQuantity("20")', True),
        ('isQuantity("20M")', True),
        ('isQuantity("20Mi")', True),
        ('isQuantity("20Mo")', False),
        ('isQuantity("10Mm")', False),
        ('isQuantity("1,3G")', False),
        ('isQuantity("200K")', False),
        ('isQuantity("Mi")', False),
        ('quantity("200M") == quantity("200M")', True),
        ('quantity("200M") == quantity("0.2G") && quantity("0.2G") == quantity("200M")', True),
        ('quantity("2M") == quantity("0.002G") && quantity("2000k") == quantity("2M")', True),
        ('quantity("200M") == quantity("0.3G")', False),
        ('quantity("50M").isLessThan(quantity("50Mi"))', True),
        ('quantity("50M").isLessThan(quantity("100M"))', True),
        ('quantity("100M").isLessThan(quantity("50M"))', False),
        ('quantity("50Mi").isGreaterThan(quantity("50M"))', True),
        ('quantity("150Mi").isGreaterThan(quantity("100Mi"))', True),
        ('quantity("50M").isGreaterThan(quantity("100M"))', False),
        ('quantity("200M").compareTo(quantity("0.2G"))', 0),
        ('quantity("50M").compareTo(quantity("50Mi"))', -1),
        ('quantity("50Mi").compareTo(quantity("50M"))', 1),
        ('quantity("50k").add(quantity("20")) == quantity("50.02k")', True),
        ('quantity("50k").add(20).isLessThan(quantity("50020"))', False),
        ('quantity("50k").sub(quantity("20")) == quantity("49.98k")', True),
        ('quantity("50k").sub(20) == quantity("49980")', True),
        ('quantity("50k").mul(2) == quantity("100000")', True),
        ('quantity("10k").div(2) == quantity("5000")', True),
        ('quantity("10000").divInt(3) == quantity("3333")', True),
        ('quantity("50k").add(20).sub(quantity("100k")).asInteger()', -49980),
        ('quantity("50k").add(20).sub(quantity("100k")).sub(-50000).asInteger()', 20),
        ('quantity("50k").asInteger()', 50000),
        ('quantity("9999999999999999999999999999999999999G").isInteger()', False),
        ('quantity("50").isInteger()', True),
        ('quantity("50.703k").asApproximateFloat()', 50703.0),
        ('sign(quantity("-1"))', -1),
        ('sign(quantity("0"))', 0),
        ('quantity("500Mi").isLessThan(quantity("1Gi")) ? "small" : "large"', "small"),  # Kro's cel-functions example
    ],
)
def test_quantity(expr: str, expected: object) -> None:
    assert ev(expr) == expected


def test_quantity_divide_rounds_to_four_places() -> None:
    assert ev('quantity("10000").div(3).asApproximateFloat()') == pytest.approx(3333.3333, abs=1e-4)


@pytest.mark.parametrize(
    "text,canonical",
    [
        ("1.5Gi", "1536Mi"),
        ("0.5", "500m"),
        ("1e3", "1e3"),
        ("1000", "1k"),
        ("1500", "1500"),
        ("100m", "100m"),
        ("0.2G", "200M"),
        ("1024Ki", "1Mi"),
        ("512Ki", "512Ki"),
        ("-1Gi", "-1Gi"),
        ("0.1n", "1n"),
        ("0Mi", "0"),
    ],
)
def test_quantity_canonical_output(text: str, canonical: str) -> None:
    assert ev(f'quantity("{text}")') == canonical


@pytest.mark.parametrize(
    "expr,msg",
    [
        ('quantity("10Mo")', "quantities must match the regular expression"),
        ('quantity("10Mm")', "unable to parse quantity's suffix"),
        ('quantity("9999999999999999999999999999999999999G").asInteger()', "cannot convert value to integer"),
        ('quantity("1").div(0)', "division by zero"),
    ],
)
def test_quantity_errors(expr: str, msg: str) -> None:
    with pytest.raises(CELError, match=msg):
        ev(expr)


def test_quantity_no_overload_is_compile_error() -> None:
    with pytest.raises(CELError, match="found no matching overload for 'isQuantity'"):
        ENV.compile("isQuantity([1, 2, 3])")


# ── long string templates (parser recursion limit) ──────────────────────────────────────────────────────


@pytest.mark.parametrize("n", [1, 2, LEFT_DEEP_LIMIT, LEFT_DEEP_LIMIT + 1, 31, 100, 1000])
def test_concat_expression_parses_and_evaluates(n: int) -> None:
    parts = [f'"p{i}"' if i % 2 else "(schema.spec.name)" for i in range(n)]
    src = concat_expression(parts)
    expected = "".join(f"p{i}" if i % 2 else "x" for i in range(n))
    assert ev(src, schema={"spec": {"name": "x"}}) == expected
    if n <= LEFT_DEEP_LIMIT:
        assert src == " + ".join(parts)


def test_left_deep_chain_hits_the_engine_limit() -> None:
    # Pins the engine limit the balanced form works around; if this starts passing, the limit was raised.
    env = cel.NewEnv(variables={"a": cel.Type.DYN})
    with pytest.raises(RuntimeError, match="max recursion depth"):
        env.compile(" + ".join(['"x"'] * 40))


def test_concat_keeps_type_errors() -> None:
    with pytest.raises(CELError, match="no matching overload for '_\\+_'"):
        ENV.compile(concat_expression(['"a"', "(1)"] * 20))
