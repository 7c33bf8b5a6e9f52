"""replkv.resp3: element boundaries in RESP3 bytes and their RESP2 form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from replkv import reply
from replkv.resp3 import element_end, to_resp2

# A reply tree: bytes are bulk strings, ints integers, ("simple", text), ("map", pairs),
# ("set", items), ("array", items), None null, bools and floats.
leaves = st.one_of(
    st.binary(max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.builds(lambda text: ("simple", text), st.text("abcXYZ_-@ ", max_size=8)),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(lambda items: ("array", items), st.lists(children, max_size=4)),
        st.builds(lambda items: ("set", items), st.lists(children, max_size=4)),
        st.builds(
            lambda pairs: ("map", pairs), st.lists(st.tuples(children, children), max_size=3)
        ),
    ),
    max_leaves=20,
)


def encode(tree: object, resp: int) -> bytes:
    """The tree as replkv's reply builders write it for `resp`."""
    if isinstance(tree, bool):
        return reply.boolean(tree, resp)
    if isinstance(tree, bytes):
        return reply.bulk(tree)
    if isinstance(tree, int):
        return reply.integer(tree)
    if isinstance(tree, float):
        return reply.double(tree, resp)
    if tree is None:
        return reply.null(resp)
    assert isinstance(tree, tuple)
    kind, content = tree
    if kind == "simple":
        return reply.simple(content)
    if kind == "array":
        return b"*%d\r\n" % len(content) + b"".join(encode(item, resp) for item in content)
    if kind == "set":
        return reply.set_header(len(content), resp) + b"".join(
            encode(item, resp) for item in content
        )
    return reply.map_header(len(content), resp) + b"".join(
        encode(key, resp) + encode(value, resp) for key, value in content
    )


class ToResp2Tests(SynchronousTestCase):
    def test_map_becomes_flat_array_and_set_array(self) -> None:
        raw = b"%2\r\n$1\r\na\r\n~2\r\n+x\r\n+y\r\n$1\r\nb\r\n%0\r\n"
        self.assertEqual(to_resp2(raw), b"*4\r\n$1\r\na\r\n*2\r\n+x\r\n+y\r\n$1\r\nb\r\n*0\r\n")

    def test_command_docs_shape(self) -> None:
        raw = (
            b"%2\r\n$7\r\nhistory\r\n~1\r\n*2\r\n$5\r\n6.2.0\r\n$4\r\nNote\r\n"
            b"$9\r\narguments\r\n*1\r\n%2\r\n$4\r\nname\r\n$3\r\nkey\r\n"
            b"$14\r\nkey_spec_index\r\n:0\r\n"
        )
        self.assertEqual(
            to_resp2(raw),
            b"*4\r\n$7\r\nhistory\r\n*1\r\n*2\r\n$5\r\n6.2.0\r\n$4\r\nNote\r\n"
            b"$9\r\narguments\r\n*1\r\n*4\r\n$4\r\nname\r\n$3\r\nkey\r\n"
            b"$14\r\nkey_spec_index\r\n:0\r\n",
        )

    def test_bulk_payload_is_never_read_as_headers(self) -> None:
        payload = b"%9\r\n~3\r\n_\r\n"
        raw = b"~1\r\n$%d\r\n%b\r\n" % (len(payload), payload)
        self.assertEqual(to_resp2(raw), b"*1\r\n$%d\r\n%b\r\n" % (len(payload), payload))

    def test_scalars(self) -> None:
        self.assertEqual(to_resp2(b"_\r\n"), b"$-1\r\n")
        self.assertEqual(to_resp2(b"#t\r\n#f\r\n"), b":1\r\n:0\r\n")
        self.assertEqual(to_resp2(b",1.5\r\n"), b"$3\r\n1.5\r\n")
        self.assertEqual(to_resp2(b"(123\r\n"), b"$3\r\n123\r\n")
        self.assertEqual(to_resp2(b"=8\r\ntxt:abcd\r\n"), b"$4\r\nabcd\r\n")
        self.assertEqual(to_resp2(b"!7\r\nERR bad\r\n"), b"-ERR bad\r\n")
        self.assertEqual(to_resp2(b">2\r\n+a\r\n:1\r\n"), b"*2\r\n+a\r\n:1\r\n")
        unchanged = b"+OK\r\n-ERR x\r\n:-3\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
        self.assertEqual(to_resp2(unchanged), unchanged)

    def test_unknown_type_is_refused(self) -> None:
        self.assertRaises(ValueError, to_resp2, b"|1\r\n+a\r\n+b\r\n+c\r\n")

    @given(trees)
    def test_same_as_the_reply_builders_for_resp2(self, tree: object) -> None:
        self.assertEqual(to_resp2(encode(tree, 3)), encode(tree, 2))


class ElementEndTests(SynchronousTestCase):
    def test_nested(self) -> None:
        raw = b"%1\r\n$1\r\na\r\n*2\r\n~1\r\n:1\r\n$0\r\n\r\n+next\r\n"
        self.assertEqual(element_end(raw), len(raw) - len(b"+next\r\n"))
        self.assertEqual(element_end(raw, len(raw) - 7), len(raw))

    def test_nulls_and_empty(self) -> None:
        self.assertEqual(element_end(b"$-1\r\n+x\r\n"), 5)
        self.assertEqual(element_end(b"*-1\r\n+x\r\n"), 5)
        self.assertEqual(element_end(b"_\r\n+x\r\n"), 3)
        self.assertEqual(element_end(b"%0\r\n+x\r\n"), 4)

    @given(trees)
    def test_whole_reply(self, tree: object) -> None:
        for resp in (2, 3):
            raw = encode(tree, resp)
            self.assertEqual(element_end(raw + b"+tail\r\n"), len(raw))
