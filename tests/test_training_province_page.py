"""The province dashboard at scale: table first, chart folded below it, chart lines off the names."""

import re

from django.urls import reverse

from . import test_training_exports as exports_tests

world = exports_tests.world  # two wards of HCM, one doing well, with a course assigned


def province_page(client, world, units) -> str:
    client.force_login(world["province_cadre"])
    response = client.get(reverse("training:province", args=[units["hcm"].pk]))
    assert response.status_code == 200
    return response.content.decode()


def vertical_segments(svg: str, css_class: str) -> list[tuple[float, float]]:
    """The (top, bottom) of every piece of a chart line, drawn as <line> or as a <path>."""
    segments = []
    for tag in re.findall(rf'<(?:line|path)[^>]*class="{css_class}"[^>]*/>', svg):
        if tag.startswith("<line"):
            y1, y2 = (float(re.search(rf'{a}="([\d.]+)"', tag).group(1)) for a in ("y1", "y2"))
            segments.append((y1, y2))
        else:
            segments += path_segments(re.search(r'd="([^"]*)"', tag).group(1))
    return segments


def path_segments(path: str) -> list[tuple[float, float]]:
    """Vertical pieces of an SVG path made of moves (M/m x y) and vertical lines (V/v y)."""
    y, segments = 0.0, []
    for command, args in re.findall(r"([MmVv])([^MmVv]*)", path):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if command in "Mm":
            y = numbers[1] + (y if command == "m" else 0)
        else:
            end = numbers[0] + (y if command == "v" else 0)
            segments.append((min(y, end), max(y, end)))
            y = end
    return segments


def test_the_table_comes_first_and_the_chart_is_folded_below_it(client, world, units):
    page = province_page(client, world, units)
    assert page.index('<table class="report">') < page.index("<svg")
    details = re.search(r"<details[^>]*>\s*<summary>Biểu đồ hoàn thành", page).group(0)
    assert " open" not in details  # closed until the cadre asks for it
    assert '<main id="main" class="wide">' in page  # an office PC's width for the table


def test_the_median_and_threshold_lines_never_cross_a_ward_name(client, world, units):
    page = province_page(client, world, units)
    svg = page[page.index("<svg") : page.index("</svg>")]
    # A name's text (11 px, baseline at y) with its Vietnamese marks spans about y-11 .. y+2.
    names = [float(y) for y in re.findall(r'<text x="0" y="([\d.]+)" class="label"', svg)]
    assert len(names) == 2
    for css_class in ("median", "threshold"):
        segments = vertical_segments(svg, css_class)
        assert segments, css_class
        for top, bottom in segments:
            for baseline in names:
                assert bottom <= baseline - 11 or top >= baseline + 2, (css_class, top, bottom)
