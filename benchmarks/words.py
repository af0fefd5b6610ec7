"""The words in the benchmark catalogue's product names, for the search figure
(benchmarks/run.py): each of the COMMON words is in 1 name in 100, VERY_COMMON in 1 in 10,
RARE in 1 in 1,000, whatever the catalogue's size."""

COMMON = [f"word{n:02d}" for n in range(100)]
VERY_COMMON = "lamp"
RARE = "zephyr"


def name_words(i: int) -> str:
    words = [COMMON[i % len(COMMON)]]
    if i % 10 == 3:
        words.append(VERY_COMMON)
    if i % 1000 == 7:
        words.append(RARE)
    return " ".join(words)
