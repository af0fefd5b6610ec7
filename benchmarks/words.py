"""The words in the benchmark catalogue's product names, for the search figure
(benchmarks/run.py): each of the COMMON words is in 1 name in 100 and VERY_COMMON in 1 in
10, whatever the catalogue's size; RARE is in RARE_COUNT names at any size, so that a
search for it finds the same products in a small and a large catalogue."""

COMMON = [f"word{n:02d}" for n in range(100)]
VERY_COMMON = "lamp"
RARE = "zephyr"
RARE_COUNT = 20


def name_words(i: int, count: int) -> str:
    """The words of the name of product `i` of `count`."""
    words = [COMMON[i % len(COMMON)]]
    if i % 10 == 3:
        words.append(VERY_COMMON)
    if i % max(count // RARE_COUNT, 1) == 7:
        words.append(RARE)
    return " ".join(words)
