"""The ENC's kept documents: exact text back, shared lines held once, a bound kept."""

from __future__ import annotations

from oci.enc.served import Documents, Entry


def entry(text: str) -> Entry:
    return Entry((1, -1, -1), (), 0, "cl1", "compute", tuple(text.split("\n")))


KEYS = "".join(f"    cl1-compute-{n}.example.com: {'A' * 300}{n}\n" for n in range(100))


def test_the_text_comes_back_byte_for_byte() -> None:
    kept = Documents()
    text = "classes:\n  oci::generic:\n    etc_hosts: Zm9v\n" + KEYS + "\n"
    kept.put((1, "a"), entry(text))
    found = kept.get((1, "a"))
    assert found is not None and found.text == text
    assert kept.get((2, "a")) is None  # another database


def test_lines_documents_share_are_held_and_counted_once() -> None:
    kept = Documents()
    kept.put((1, "a"), entry("etc_hosts: AAAA\n" + KEYS))
    one = kept.size
    kept.put((1, "b"), entry("etc_hosts: BBBB\n" + KEYS))
    # The second document costs its own line and its pointers, not the keys again.
    assert kept.size - one < 2000 < len(KEYS)
    kept.clear()
    assert kept.size == 0


def test_past_the_bound_the_oldest_go_and_their_lines_with_them() -> None:
    kept = Documents(max_bytes=3 * (len(KEYS) // 2))
    for n in range(3):
        kept.put((1, f"node{n}"), entry(f"own: {n}\n" + KEYS.replace("A", chr(66 + n))))
    assert kept.get((1, "node0")) is None and kept.get((1, "node1")) is None
    assert kept.get((1, "node2")) is not None
    assert kept.size <= kept.max_bytes
    kept.put((1, "node2"), entry("own: 2\n"))  # replaced: its old lines are let go
    assert kept.size < 100
