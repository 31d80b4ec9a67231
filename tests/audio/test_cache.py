from __future__ import annotations

from pipeline.audio.cache import Cache, key


def test_key_changes_with_every_part():
    base = key("sentence", "espeak:1:voice=en-us:rate=175", "Hello.")
    assert base == key("sentence", "espeak:1:voice=en-us:rate=175", "Hello.")
    assert base != key("sentence", "espeak:1:voice=en-us:rate=176", "Hello.")
    assert base != key("sentence", "espeak:1:voice=en-us:rate=175", "Hello!")


def test_round_trip_and_sample_rate_is_checked(tmp_path):
    cache = Cache(tmp_path)
    pcm = bytes(range(256)) * 10
    cache.put("sentences", "ab" * 20, pcm, sample_rate=22050)
    assert cache.get("sentences", "ab" * 20, sample_rate=22050) == pcm
    assert cache.get("sentences", "ab" * 20, sample_rate=16000) is None  # a different rate is a miss
    assert cache.get("sentences", "cd" * 20, sample_rate=22050) is None


def test_truncated_or_corrupt_entry_is_a_miss_and_removed(tmp_path):
    cache = Cache(tmp_path)
    pcm = b"\x01\x02" * 1000
    for damage in ("truncate", "flip", "empty"):
        k = key(damage)
        cache.put("sentences", k, pcm, sample_rate=22050)
        path = next(tmp_path.rglob(f"{k}.pcm"))
        blob = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(blob[:-7])
        elif damage == "flip":
            path.write_bytes(blob[:-1] + bytes([blob[-1] ^ 0xFF]))
        else:
            path.write_bytes(b"")
        assert cache.get("sentences", k, sample_rate=22050) is None
        assert not path.exists()


def test_size_and_clear(tmp_path):
    cache = Cache(tmp_path)
    cache.put("sentences", key(1), b"\0\0" * 10, sample_rate=22050)
    cache.put("chapters", key(2), b"\0\0" * 10, sample_rate=22050)
    count, size = cache.size()
    assert count == 2 and size > 40
    cache.clear()
    assert cache.size() == (0, 0)
    assert not list(tmp_path.rglob(".tmp-*"))
