"""Rich tables for people: the same figures as `--format json`, in words."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from keyclients.core.ingest.report import ImportReport

TEXT = {
    "en": {
        "title": "Revenue concentration",
        "file": "File",
        "period": "Period",
        "rows": "Rows",
        "rows_value": "{read} read, {used} used, {skipped} skipped, {rejected} rejected",
        "revenue": "Revenue (net)",
        "clients": "Clients",
        "clients_value": "{positive} with revenue of {total}",
        "top1": "Top-1 share",
        "top3": "Top-3 share",
        "top5": "Top-5 share",
        "top10": "Top-10 share",
        "hhi": "HHI",
        "effective": "Effective number of clients",
        "gini": "Gini",
        "abc": "ABC",
        "unconcentrated": "unconcentrated",
        "moderate": "moderately concentrated",
        "high": "highly concentrated",
        "mono": (
            "MONO-CLIENT: {client} brings {share} of revenue. Losing it could stop the business."
        ),
        "major": "Clients with 10% of revenue or more: {clients}.",
        "top_clients": "Top {n} clients of {total}",
        "rank": "#",
        "client": "Client",
        "share": "Share",
        "cumulative": "Cumulative",
        "rejected_title": "Rows not used ({count}; first {shown})",
        "row": "Row",
        "column": "Column",
        "value": "Value",
        "reason": "Reason",
        "warnings": "Notes",
        "no_clients": "No client has positive revenue in this period.",
        "all_data": "all data",
        "no_dates": "no dates in the file",
    },
    "ru": {
        "title": "Концентрация выручки",
        "file": "Файл",
        "period": "Период",
        "rows": "Строки",
        "rows_value": "прочитано {read}, учтено {used}, пропущено {skipped}, отклонено {rejected}",
        "revenue": "Выручка (нетто)",
        "clients": "Клиенты",
        "clients_value": "{positive} с выручкой из {total}",
        "top1": "Доля крупнейшего",
        "top3": "Доля топ-3",
        "top5": "Доля топ-5",
        "top10": "Доля топ-10",
        "hhi": "Индекс HHI",
        "effective": "Эффективное число клиентов",
        "gini": "Джини",
        "abc": "ABC",
        "unconcentrated": "низкая концентрация",
        "moderate": "умеренная концентрация",
        "high": "высокая концентрация",
        "mono": "МОНОКЛИЕНТ: {client} даёт {share} выручки. Его потеря может остановить бизнес.",
        "major": "Клиенты с долей 10% и более: {clients}.",
        "top_clients": "Топ-{n} клиентов из {total}",
        "rank": "№",
        "client": "Клиент",
        "share": "Доля",
        "cumulative": "Накопленная",
        "rejected_title": "Неучтённые строки ({count}; первые {shown})",
        "row": "Строка",
        "column": "Колонка",
        "value": "Значение",
        "reason": "Причина",
        "warnings": "Замечания",
        "no_clients": "В этом периоде ни у одного клиента нет положительной выручки.",
        "all_data": "все данные",
        "no_dates": "в файле нет дат",
    },
}


def money(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.2f}"
    if lang == "ru":
        return text.replace(",", "\u202f").replace(".", ",") + " ₽"
    return text


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}%"
    return text.replace(".", ",") if lang == "ru" else text


def number(value: float | None, digits: int, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "ru" else text


def render_analysis(
    summary: dict[str, Any],
    report: ImportReport,
    *,
    file: str,
    top: int,
    lang: str,
    console: Console | None = None,
) -> None:
    t = TEXT[lang]
    out = console or Console()
    conc = summary["concentration"]
    period = summary["period"]
    head = Table(title=t["title"], show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column()
    head.add_row(t["file"], file)
    if period["from"] is None:
        head.add_row(t["period"], t["no_dates"])
    else:
        head.add_row(t["period"], f"{period['from']} — {period['to']}")
    head.add_row(t["rows"], t["rows_value"].format(**summary["rows"]))
    head.add_row(t["revenue"], money(summary["revenue_total"], lang))
    head.add_row(
        t["clients"],
        t["clients_value"].format(
            positive=summary["clients_positive"], total=summary["clients_total"]
        ),
    )
    clients = summary["clients"]
    if conc["top1_share"] is not None:
        leader = clients[0]["client"]
        head.add_row(t["top1"], f"{percent(conc['top1_share'], lang)} ({leader})")
        head.add_row(t["top3"], percent(conc["top3_share"], lang))
        head.add_row(t["top5"], percent(conc["top5_share"], lang))
        head.add_row(t["top10"], percent(conc["top10_share"], lang))
        head.add_row(t["hhi"], f"{number(conc['hhi'], 0, lang)} — {t[conc['level']]}")
        head.add_row(t["effective"], number(conc["effective_clients"], 1, lang))
        head.add_row(t["gini"], number(conc["gini"], 2, lang))
        abc = summary["abc"]
        head.add_row(t["abc"], f"A {abc['A']} · B {abc['B']} · C {abc['C']}")
    out.print(head)
    out.print()
    if conc["top1_share"] is None:
        out.print(f"[yellow]{t['no_clients']}[/]")
    elif conc["mono_client"]:
        out.print(
            "[bold red]⚠ "
            + t["mono"].format(client=clients[0]["client"], share=percent(conc["top1_share"], lang))
            + "[/]"
        )
    else:
        majors = [c for c in clients if c["major"]]
        if majors:
            names = ", ".join(f"{c['client']} ({percent(c['share'], lang)})" for c in majors)
            out.print("[bold yellow]⚠ " + t["major"].format(clients=names) + "[/]")
    ranked = [c for c in clients if c["rank"] is not None]
    if ranked:
        table = Table(title=t["top_clients"].format(n=min(top, len(ranked)), total=len(clients)))
        table.add_column(t["rank"], justify="right")
        table.add_column(t["client"])
        table.add_column(t["revenue"], justify="right")
        table.add_column(t["share"], justify="right")
        table.add_column(t["cumulative"], justify="right")
        table.add_column("ABC", justify="center")
        for c in ranked[:top]:
            style = "bold" if c["major"] else ""
            table.add_row(
                str(c["rank"]),
                c["client"],
                money(c["revenue"], lang),
                percent(c["share"], lang),
                percent(c["cumulative_share"], lang),
                c["abc"],
                style=style,
            )
        out.print(table)
    if report.rejected:
        shown = report.rejected[:20]
        bad = Table(
            title=t["rejected_title"].format(count=report.rows_rejected, shown=len(shown)),
            title_style="bold red",
        )
        for key in ("row", "column", "value", "reason"):
            bad.add_column(t[key])
        for r in shown:
            bad.add_row(str(r.row), r.column, "" if r.value is None else r.value, r.reason)
        out.print(bad)
    if report.warnings or report.skipped_reasons:
        out.print(f"[bold]{t['warnings']}:[/]")
        for reason, count in report.skipped_reasons.items():
            out.print(f"  · {reason}: {count}")
        for warning in report.warnings:
            out.print(f"  · {warning}")
