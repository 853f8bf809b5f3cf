"""datatrove steps for the benchmark (imported by datatrove_chain.py; must be importable by the
worker processes, so run.sh puts this directory on PYTHONPATH).

- LocalFT176LID: datatrove's FT176LID reading the local lid.176.ftz (GARBELL_LID_MODEL) instead of
  downloading lid.176.bin (nothing can be downloaded here; garbell embeds the same .ftz).
- SimpleHtmlExtractor: a cheap in-process extractor (lxml parse, drop the same containers as
  garbell's crates/io/src/html.rs, one line per block element) to separate extraction cost from
  the rest of the chain. Not part of datatrove; no sandbox subprocess.
"""
import os

from datatrove.pipeline.base import PipelineStep
from datatrove.utils.lid import FT176LID

MODEL = os.environ.get("GARBELL_LID_MODEL", "/work/main/languages/lid/lid.176.ftz")


class LocalFT176LID(FT176LID):
    @property
    def model(self):
        if self._model is None:
            from fasttext.FastText import _FastText

            self._model = _FastText(MODEL)
        return self._model


DROP = ["script", "style", "noscript", "template", "svg", "math", "head", "title", "nav", "header",
        "footer", "aside", "form", "iframe", "select", "button", "textarea", "object", "canvas",
        "audio", "video"]
BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "table", "section",
         "article", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "hr", "main", "body"}


class SimpleHtmlExtractor(PipelineStep):
    name = "simple lxml extractor"
    type = "🛢 - EXTRAC"

    def run(self, data, rank=0, world_size=1):
        import lxml.html

        for doc in data:
            self.stat_update("total")
            with self.track_time():
                try:
                    root = lxml.html.document_fromstring(doc.text)
                except Exception:
                    continue
                for el in list(root.iter(*DROP)):
                    if el.getparent() is not None:
                        el.drop_tree()
                lines, cur = [], []
                for ev, el in _walk(root):
                    if ev == "text":
                        cur.append(el)
                    elif cur:
                        line = " ".join("".join(cur).split())
                        if line:
                            lines.append(line)
                        cur = []
                if cur:
                    line = " ".join("".join(cur).split())
                    if line:
                        lines.append(line)
                doc.text = "\n".join(lines)
            if doc.text:
                self.stat_update("forwarded")
                yield doc


def _walk(el):
    """(event, value): 'text' pieces, and 'break' at block boundaries, in document order."""
    stack = [("open", el)]
    while stack:
        ev, node = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        block = tag in BLOCK
        if ev == "close":
            if block:
                yield "break", None
            if node.tail:
                yield "text", node.tail
            continue
        if block:
            yield "break", None
        if tag and node.text:
            yield "text", node.text
        stack.append(("close", node))
        for child in reversed(node):
            stack.append(("open", child))
