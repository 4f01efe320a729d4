"""Server-drawn SVG bar chart of completion by ward: no JavaScript, readable at 360 px."""

from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext

from accounts.collation import sort_key

from .figures import ProvinceReport

WIDTH = 320  # viewBox units; the SVG scales to the width of the screen
BAR_AREA = 250  # 100 % completion
ROW_HEIGHT = 26
TOP = 24
# Within a row: the label's text fills the top (y .. y+13), the bar sits at y+13 .. y+23.
BAR_TOP = 13
BAR_BOTTOM = 24
# The axis ends at the first of these (per cent) above every bar, so low rates stay visible.
SCALE_STEPS = (5, 10, 20, 25, 50, 100)


@dataclass
class Bar:
    label: str
    rate: float
    lagging: bool
    y: float  # top of the row
    width: float


def completion_bars(report: ProvinceReport) -> dict:
    """Geometry of the chart: one row per ward with something assigned, lowest first,
    so the lagging wards come first; vertical lines mark the median and the threshold."""
    rows = sorted(
        (row for row in report.rows if row.overall.in_scope),
        key=lambda row: (row.overall.rate, sort_key(row.ward.name)),
    )
    highest = max([row.overall.rate for row in rows] + [report.median_rate], default=0)
    scale = next(step for step in SCALE_STEPS if step >= highest)
    bars = [
        Bar(
            label=row.ward.name,
            rate=row.overall.rate,
            lagging=row.lagging,
            y=TOP + index * ROW_HEIGHT,
            width=max(0.5, BAR_AREA * row.overall.rate / scale),
        )
        for index, row in enumerate(rows)
    ]
    median_x = BAR_AREA * report.median_rate / scale
    threshold_x = BAR_AREA * report.lagging_below / scale
    return {
        # The words are translated here, not in the .svg template: makemessages reads only
        # .html, .txt and .py files, so strings in an .svg would never reach the catalogue.
        "title": gettext("Tỉ lệ hoàn thành theo xã/phường"),
        "description": gettext(
            "Thấp nhất ở trên cùng. Đường liền: trung vị %(median)s%%. "
            "Đường đứt: ngưỡng vùng trũng %(threshold)s%%."
        )
        % {
            "median": floatformat(report.median_rate, "0u"),
            "threshold": floatformat(report.lagging_below, "0u"),
        },
        "median_label": gettext("trung vị"),
        "bars": bars,
        "width": WIDTH,
        "height": TOP + len(bars) * ROW_HEIGHT + 8,
        "bar_area": BAR_AREA,
        "scale": scale,
        "median_x": median_x,
        "threshold_x": threshold_x,
        "median_path": _line_beside_bars(median_x, bars),
        "threshold_path": _line_beside_bars(threshold_x, bars),
        "scale_path": _line_beside_bars(BAR_AREA, bars),
    }


def _line_beside_bars(x: float, bars: list[Bar]) -> str:
    """A vertical line drawn only across the bars' band of each row, never over a ward's
    name (the names sit above their bars and can be as wide as the chart)."""
    if not bars:
        return ""
    # Relative moves repeat one short piece per row ("m0 15v11"): small, and gzip folds it.
    length = BAR_BOTTOM - BAR_TOP
    gap = ROW_HEIGHT - length
    first = f"M{x:.1f} {bars[0].y + BAR_TOP:g}v{length}"
    return first + f"m0 {gap}v{length}" * (len(bars) - 1)
