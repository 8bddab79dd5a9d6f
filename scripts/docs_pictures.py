"""The small pictures of the README (docs/*.png), from the screenshots the browser tests
save in screenshots/: the top of each page at a desktop and at a phone width, side by side.

    .venv/bin/pytest tests/e2e/test_accessibility.py -k violations
    .venv/bin/python scripts/docs_pictures.py
"""

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["home", "entry", "search"]
HEIGHT = 480  # of the finished picture, in pixels
GAP = 16


def top(path, width, height):
    """The first `height` pixels of a full-page screenshot taken at `width`."""
    with Image.open(path) as shot:
        return shot.convert("RGB").crop((0, 0, width, min(height, shot.height)))


def main():
    (ROOT / "docs").mkdir(exist_ok=True)
    for name in PAGES:
        desktop = top(ROOT / "screenshots" / f"{name}-1280.png", 1280, 900)
        phone = top(ROOT / "screenshots" / f"{name}-375.png", 375, 900)
        scale = HEIGHT / 900
        desktop = desktop.resize((round(1280 * scale), HEIGHT), Image.LANCZOS)
        phone = phone.resize((round(375 * scale), HEIGHT), Image.LANCZOS)
        picture = Image.new("RGB", (desktop.width + GAP + phone.width, HEIGHT), "white")
        picture.paste(desktop, (0, 0))
        picture.paste(phone, (desktop.width + GAP, 0))
        picture = picture.quantize(colors=128)
        out = ROOT / "docs" / f"{name}.png"
        picture.save(out, optimize=True)
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
