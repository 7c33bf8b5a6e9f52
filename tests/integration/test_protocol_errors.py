"""Malformed client input: replkv must send the same bytes as redis-server, and close alike.

Each case sends raw bytes on a fresh connection to both servers and compares
what comes back and whether the connection is closed (Redis's
processMultibulkBuffer / processInlineBuffer behaviour, quirks included).
"""

from collections.abc import Callable

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase

BIG = 70_000  # over Redis's PROTO_INLINE_MAX_SIZE (64 KiB)

# name -> input. Comments give redis-server 7.0.15's answer.
CASES: dict[str, bytes] = {
    # Bad multibulk counts: -ERR Protocol error: invalid multibulk length, close.
    "multibulk_count_not_a_number": b"*abc\r\n",
    "multibulk_count_leading_zero": b"*03\r\n",
    "multibulk_count_plus_sign": b"*+1\r\n",
    "multibulk_count_over_int_max": b"*2147483648\r\n",
    "multibulk_count_over_int64": b"*9223372036854775808\r\n",
    # Bad bulk lengths: -ERR Protocol error: invalid bulk length, close.
    "bulk_length_not_a_number": b"*1\r\n$abc\r\n",
    "bulk_length_minus_one": b"*1\r\n$-1\r\n",
    "bulk_length_minus_zero": b"*1\r\n$-0\r\n",
    "bulk_length_leading_zero": b"*1\r\n$00\r\n\r\n",
    "bulk_length_leading_space": b"*1\r\n$ 4\r\n",
    "bulk_length_over_proto_max_bulk_len": b"*1\r\n$536870913\r\n",
    "bulk_length_600_million": b"*1\r\n$600000000\r\n",
    "bulk_length_over_int64": b"*1\r\n$9223372036854775808\r\n",
    "bulk_length_twenty_digits_second_arg": b"*2\r\n$4\r\nECHO\r\n$" + b"1" * 20 + b"\r\n",
    # Wrong type byte inside a multibulk: expected '$', got 'X', close.
    "element_without_dollar": b"*1\r\nfoo\r\n",
    "nested_array": b"*1\r\n*1\r\n$4\r\nPING\r\n",
    "integer_element_after_a_good_command": b"*1\r\n$4\r\nPING\r\n*1\r\n:4\r\n",
    "empty_element_line": b"*1\r\n\r\n",
    # Counts that are ignored (no reply, connection open).
    "negative_multibulk_count_then_ping": b"*-5\r\nPING\r\n",
    "zero_multibulk_count": b"*0\r\n",
    "empty_lines_then_ping": b"\r\n\nPING\r\n",
    "blank_inline_line": b" \r\n",
    # Inline commands.
    "inline_and_multibulk_mixed": b"*1\r\n$4\r\nPING\r\nPING\r\nFOO a b\r\n",
    "inline_lf_only": b"PING\n",
    "inline_unbalanced_double_quote": b'SET "a b\r\n',
    "inline_unbalanced_single_quote": b"SET 'a\r\n",
    "inline_quote_followed_by_text": b'ECHO "a"b\r\n',
    "inline_adjacent_single_quotes": b"ECHO 'it''s'\r\n",
    "inline_hex_escape": b'ECHO "\\x41"\r\n',
    "inline_escaped_quote": b'ECHO "\\""\r\n',
    "inline_escaped_single_quote": b"ECHO 'a\\'b'\r\n",
    "inline_high_byte": b'ECHO "\xff"\r\n',
    "inline_resp3_type_byte": b"%1\r\n",
    "inline_lowercase_wrong_arity": b"get\r\n",
    # Redis finds the inline newline with strchr, so a NUL hides it and the line waits.
    "inline_nul_hides_newline": b"PI\x00NG\r\nPING\r\n",
    "inline_only_nul": b"\x00\r\n",
    "inline_too_big_without_newline": b"A" * BIG,
    "inline_too_big_with_newline": b"PING" + b" " * BIG + b"\r\n",
    # Count lines over 64 KiB without CRLF.
    "multibulk_count_line_too_big": b"*" + b"1" * BIG,
    "bulk_count_line_too_big": b"*1\r\n$" + b"1" * BIG,
    # Partial frames wait silently.
    "partial_bulk": b"*1\r\n$4\r\nPING",
    "partial_after_good_command": b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPIN",
    "lf_only_multibulk_waits": b"*1\n$4\nPING\n",
    "lone_cr": b"PING\r",
    "big_announced_count_waits": b"*1048577\r\n",
    "big_announced_bulk_waits": b"*1\r\n$1048577\r\n",
    # Bulk payloads: the two bytes after the payload are skipped unchecked.
    "bulk_not_followed_by_crlf": b"*1\r\n$4\r\nPINGxx",
    "empty_command_name": b"*1\r\n$0\r\n\r\n",
    "empty_arguments": b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n",
    "cr_and_lf_inside_arguments_in_error": b"*2\r\n$3\r\nA\rB\r\n$3\r\nC\nD\r\n",
    "long_argument_in_unknown_command_error": b"FOO " + b"x" * 300 + b"\r\n",
    # Pipelines: replies before the bad frame are sent, then the error, then close.
    "pipelined_then_bad_count": b"PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*x\r\n",
    "pipelined_then_bad_bulk_length": b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$-3\r\n",
    "pipelined_then_unbalanced_quotes": b"ECHO a\r\nECHO 'b\r\nPING\r\n",
    "quit_in_pipeline_stops_processing": b"*1\r\n$4\r\nPING\r\nQUIT\r\nPING\r\n",
    "trailing_empty_line_after_command": b"*1\r\n$4\r\nPING\r\n\r\n",
}


def _case(data: bytes) -> Callable[["ProtocolErrorTests"], None]:
    def test(self: "ProtocolErrorTests") -> None:
        self.assertSameRawOutcome(data)

    return test


class ProtocolErrorTests(DifferentialCase, SynchronousTestCase):
    """One test per malformed input in CASES."""

    def test_server_still_serves_after_all_cases(self) -> None:
        for data in CASES.values():
            self.assertSameRawOutcome(data, quiet=0.05)
        self.assertSameReplies([["PING"], ["SET", "k", "v"], ["GET", "k"]])


for _name, _data in CASES.items():
    setattr(ProtocolErrorTests, f"test_{_name}", _case(_data))
