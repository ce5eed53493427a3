"""Memory of reading a large HTML part whole (a mail without a text part: `html_to_text` on all of
it, up to the message size limit). Measured with tracemalloc (allocations of this process, not
timings): the collapsing of spaces listed every word of a block at once, ten times the text's
size (133 MB for 10 MB of words; 17x the markup's size in all here, 6x now: the copies each
step makes)."""

from __future__ import annotations

import tracemalloc

from dustmail_lite.extraction import html_to_text


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_block_of_words_is_collapsed_within_a_few_times_its_size():
    markup = "<p>" + "word " * 400_000 + "</p>"  # 2 MB: past lexbor's size limit, read whole
    text = html_to_text(markup)
    assert text == ("word " * 400_000).strip()
    peak = _peak(lambda: html_to_text(markup))
    assert peak < 8 * len(markup), f"{peak / len(markup):.1f}x the markup's size"


def test_words_in_many_blocks_are_read_as_before():
    markup = "<div>" + "<p>a  b\u3000c</p>" * 1000 + "x " * 100_000 + "</div><p>end"
    text = html_to_text(markup)
    assert text.startswith("a b c\n\na b c\n\n") and text.endswith(" x\n\nend")
    assert text.count("a b c") == 1000 and text.count("x") == 100_000
