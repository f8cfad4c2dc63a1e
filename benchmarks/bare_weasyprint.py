"""The baseline: a script that only imports WeasyPrint and renders a finished HTML file.

It renders exactly what `decisionaid sheet` renders (the same HTML, the same stylesheets and
fonts, the same PDF options) and nothing else: no rules, no profile, no templates.

    python bare_weasyprint.py SHEET.html TEMPLATES_DIR OUT.pdf [--css sheet.css ...] [--repeat N]

With --repeat, it renders N times in one process and prints each render's seconds (JSON).
With --serve, it renders once for every line read from standard input and answers each with the
render's seconds: a warm, long-lived renderer that a benchmark can interleave with a server. A line
that names an HTML file renders that file instead (a batch of different sheets).
"""

import json
import mimetypes
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse


def main() -> None:
    html_path, templates, out = Path(sys.argv[1]), Path(sys.argv[2]).resolve(), Path(sys.argv[3])
    rest = sys.argv[4:]
    css = [rest[i + 1] for i, arg in enumerate(rest) if arg == "--css"] or ["sheet.css"]
    repeat = int(rest[rest.index("--repeat") + 1]) if "--repeat" in rest else 0
    variant = rest[rest.index("--variant") + 1] if "--variant" in rest else "pdf/ua-1"

    class Assets(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=2)

        def fetch(self, url, headers=None):
            if url.startswith("asset:"):
                path = templates / url[len("asset:"):]
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mimetypes.guess_type(path.name)[0]})
            return super().fetch(url, headers)

    fetcher, fonts = Assets(), FontConfiguration()
    sheets = [weasyprint.CSS(string=(templates / name).read_text(encoding="utf-8"), font_config=fonts, url_fetcher=fetcher)
              for name in css]
    html = html_path.read_text(encoding="utf-8")

    def render(source: str = html) -> bytes:
        return weasyprint.HTML(string=source, base_url=None, url_fetcher=fetcher).write_pdf(
            stylesheets=sheets, font_config=fonts, pdf_variant=variant, presentational_hints=False)

    if "--serve" in rest:
        for line in sys.stdin:
            name = line.strip()
            source = Path(name).read_text(encoding="utf-8") if name.endswith(".html") else html
            start = time.perf_counter()
            out.write_bytes(render(source))
            print(time.perf_counter() - start, flush=True)
        return
    if not repeat:
        out.write_bytes(render())
        return
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out.write_bytes(render())
        times.append(time.perf_counter() - start)
    print(json.dumps(times))


if __name__ == "__main__":
    main()
