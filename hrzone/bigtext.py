"""Block letters for the live panel: a zone word and a heart rate readable from a treadmill.

A terminal cannot change its font size, so words are drawn five rows high with full blocks.
BigText is a rich renderable that falls back to one bold line when the space is too narrow.
"""

from __future__ import annotations

from typing import Any

# Five rows per glyph, "/" between rows, "#" a block; glyphs are 3 to 5 columns wide.
_FONT = {
    "A": ".##./#..#/####/#..#/#..#", "B": "###./#..#/###./#..#/###.",
    "C": ".###/#.../#.../#.../.###", "D": "###./#..#/#..#/#..#/###.",
    "E": "####/#.../###./#.../####", "F": "####/#.../###./#.../#...",
    "G": ".###/#.../#.##/#..#/.###", "H": "#..#/#..#/####/#..#/#..#",
    "I": "###/.#./.#./.#./###", "J": "..##/...#/...#/#..#/.##.",
    "K": "#..#/#.#./##../#.#./#..#", "L": "#.../#.../#.../#.../####",
    "M": "#...#/##.##/#.#.#/#...#/#...#", "N": "#...#/##..#/#.#.#/#..##/#...#",
    "O": ".##./#..#/#..#/#..#/.##.", "P": "###./#..#/###./#.../#...",
    "Q": ".##./#..#/#..#/#.##/.###", "R": "###./#..#/###./#.#./#..#",
    "S": ".###/#.../.##./...#/###.", "T": "#####/..#../..#../..#../..#..",
    "U": "#..#/#..#/#..#/#..#/.##.", "V": "#...#/#...#/#...#/.#.#./..#..",
    "W": "#...#/#...#/#.#.#/##.##/#...#", "X": "#...#/.#.#./..#../.#.#./#...#",
    "Y": "#...#/.#.#./..#../..#../..#..", "Z": "####/...#/.##./#.../####",
    "0": ".##./#..#/#..#/#..#/.##.", "1": ".#./##./.#./.#./###",
    "2": "###./...#/.##./#.../####", "3": "###./...#/.##./...#/###.",
    "4": "#..#/#..#/####/...#/...#", "5": "####/#.../###./...#/###.",
    "6": ".##./#.../###./#..#/.##.", "7": "####/...#/..#./.#../.#..",
    "8": ".##./#..#/.##./#..#/.##.", "9": ".##./#..#/.###/...#/.##.",
    " ": "../../../../..", "-": "..../..../####/..../....", "—": "..../..../####/..../....",
}
ROWS = 5


def big_lines(text: str) -> list[str]:
    """The five rows of `text` in block letters (unknown characters are left out)."""
    glyphs = [_FONT[c].split("/") for c in text.upper() if c in _FONT]
    return [" ".join(g[r] for g in glyphs).replace("#", "█").replace(".", " ").rstrip()
            for r in range(ROWS)]


def big_width(text: str) -> int:
    """Columns `text` takes in block letters."""
    return max((len(line) for line in big_lines(text)), default=0)


class BigText:
    """A word in block letters with a rich style; one bold line when it does not fit."""

    def __init__(self, text: str, style: str = ""):
        self.text = text
        self.style = style

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement
        return Measurement(len(self.text), max(big_width(self.text), len(self.text)))

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text
        if big_width(self.text) <= options.max_width:
            yield Text("\n".join(big_lines(self.text)), style=self.style, no_wrap=True)
        else:
            yield Text(self.text.upper(), style=f"bold {self.style}".strip())
