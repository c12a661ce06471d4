#!/usr/bin/env python3
"""Regenerate the sample document corpus for the RAG demo.

This script writes the five sample documents that sit next to it:

    field-station-handbook.pdf   (fpdf2, 7 pages, core Helvetica font)
    remote-work-policy.docx      (python-docx)
    kelp-forest-survey.html      (plain string)
    data-pipeline.md             (plain string)
    visitor-faq.txt              (plain string)

All text is original and describes a fictional organisation, "Northwind
Lighthouse Research". See LICENSE.md (CC0 1.0).

Requirements
------------
    pip install fpdf2 python-docx

Usage
-----
    python build_samples.py            # writes into docs/ beside this file
    python build_samples.py OUT_DIR    # writes into OUT_DIR instead

Reproducibility
---------------
Output is deterministic for a given version of fpdf2 / python-docx:

* the PDF gets a fixed creation date, producer and creator, and fpdf2 derives
  the PDF /ID from the content plus that date;
* the DOCX gets fixed core properties (author, dates, revision) and is then
  re-zipped with a fixed timestamp and a stable member order, because
  python-docx otherwise stamps each zip member with the current time;
* the text formats are written as UTF-8 with "\\n" line endings.

Facts that the demo's tests rely on (keep them where they are):

* PDF page 5 only: emergency radio is VHF channel 16, satellite phone in the
  red cabinet in the boathouse.
* PDF page 6 only: Project Atlas (twelve tide gauges) and its lead,
  Dr. Ingrid Solberg, in two separate paragraphs.
* DOCX: up to three remote days per week, Tuesday is the common office day.
* HTML: 4,180 purple sea urchins across the nine transects. The <script> and
  <style> blocks contain text that must NOT be treated as document text.
* Markdown: uploads every fifteen minutes, kept for ten years.
* TXT: visitor centre hours.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

FIXED_DATE = datetime(2025, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
FIXED_ZIP_TIME = (2025, 3, 1, 9, 0, 0)
ORG = "Northwind Lighthouse Research"

# ---------------------------------------------------------------------------
# 1. PDF: field-station handbook
# ---------------------------------------------------------------------------

HANDBOOK_PAGES: list[tuple[str, list[str]]] = [
    (
        "1. Welcome and Station Overview",
        [
            "Welcome to the Hallow Point Field Station, the coastal research base of "
            "Northwind Lighthouse Research. The station occupies the former keeper's "
            "cottages and boathouse beside the decommissioned Hallow Point lighthouse, "
            "about forty minutes by road from the institute's main office in Marrow Bay.",
            "The station supports three kinds of work: long-term coastal monitoring, "
            "short field campaigns run by visiting scientists, and public outreach through "
            "the small visitor centre in the old oil store. Up to fourteen people can be "
            "accommodated overnight in the two bunk houses.",
            "This handbook is issued to every person who stays or works at the station. "
            "Each page covers one topic, so you can print and pin up the page you need. "
            "Read the whole handbook before your first visit and sign the induction sheet "
            "held by the station manager.",
            "The station manager, currently Tomas Whitlow, is responsible for day-to-day "
            "operations, room allocation and the maintenance log. Questions about "
            "scientific programmes should go to the relevant project lead, not to the "
            "station manager.",
        ],
    ),
    (
        "2. General Safety Rules",
        [
            "Nobody works alone on the foreshore, the cliff path or the slipway. Field work "
            "outside the station buildings always requires a partner and an entry in the "
            "movement board in the main corridor, showing where you are going and when you "
            "expect to return.",
            "High-visibility jackets and sturdy boots are mandatory on the rock platform. "
            "The platform floods quickly on a rising tide, so check the printed tide table "
            "in the hallway before you leave and plan to be back on the path at least one "
            "hour before high water.",
            "The lighthouse tower itself is closed to all staff and visitors. The stairs are "
            "structurally unsound above the second landing, and the door is kept locked. "
            "Only the building surveyor holds a key.",
            "Chemicals used for sample preservation, such as ethanol and formalin, must be "
            "stored in the ventilated cupboard in the wet lab and logged in the chemical "
            "register. Never take preservatives into the bunk houses or the kitchen.",
            "Report every near miss, however minor, on the incident form in the office. "
            "Near-miss reports are reviewed monthly and have led to most of the "
            "improvements in this handbook.",
        ],
    ),
    (
        "3. Equipment and Instrument Care",
        [
            "Shared equipment is booked through the equipment calendar on the station "
            "laptop. Bookings are limited to five consecutive days during the summer "
            "season so that visiting teams have fair access to the dive compressor, the "
            "handheld spectrometers and the drone.",
            "Every instrument that goes into salt water must be rinsed in fresh water on "
            "return and left to dry on the racks in the boathouse annex. Salt crystals are "
            "the most common cause of failed connectors and seized housings at the station.",
            "Conductivity and temperature probes are calibrated on the first Monday of each "
            "month. The calibration record, including the reference solution batch number, "
            "is kept in the blue binder in the wet lab. Do not deploy a probe whose "
            "calibration is more than six weeks old.",
            "Batteries for loggers and lights are charged in the fire-resistant charging "
            "locker only. Lithium cells that are swollen, dented or hot to the touch are "
            "placed in the sand bucket beside the locker and reported to the station manager.",
        ],
    ),
    (
        "4. Boat Schedule and Small-Craft Operations",
        [
            "The station operates two boats: the rigid inflatable Petrel, used for inshore "
            "work, and the launch Gannet, used for longer trips and for carrying heavy "
            "equipment. Both are launched from the slipway below the boathouse.",
            "Regular trips run on Mondays, Wednesdays and Fridays, departing at 08:30 and "
            "returning by 15:00. Tuesday and Thursday are reserved for maintenance and for "
            "special charters, which must be requested at least ten days in advance.",
            "Each trip needs a qualified coxswain and at least one other crew member. "
            "Passengers wear lifejackets at all times on deck, and the coxswain files a trip "
            "plan with the station office before casting off.",
            "Trips are cancelled when the forecast wind exceeds force 5 or when visibility "
            "is below one nautical mile. The decision of the coxswain is final, and a "
            "cancelled trip is rebooked with priority on the next scheduled day.",
        ],
    ),
    (
        "5. Emergency Procedures",
        [
            "In any emergency, first make yourself and others safe, then raise the alarm. "
            "The fire alarm call points are beside every external door, and the assembly "
            "point is the gravel car park at the end of the station access road.",
            "The emergency radio channel at the field station is VHF channel 16, and the "
            "backup satellite phone is kept in the red cabinet in the boathouse. Mobile "
            "phone coverage at Hallow Point is unreliable, so do not rely on a personal "
            "phone to summon help.",
            "The main first-aid kit and the defibrillator are mounted on the wall of the "
            "kitchen. At least two trained first aiders are on site whenever the station is "
            "occupied; their names are posted on the door of the office each week.",
            "If a person is missing on the foreshore or at sea, the senior person on site "
            "contacts the coastguard immediately and does not start an independent search "
            "on the rocks. Record the time and the last known position on the movement board.",
            "After any emergency, the station manager completes an incident report within "
            "24 hours and informs the institute's head of operations.",
        ],
    ),
    (
        "6. Project Atlas: Tide-Gauge Programme",
        [
            "Project Atlas measures sea-level change with twelve tide gauges along the "
            "northern coast. The gauges record water level every six minutes, and the "
            "station at Hallow Point serves as the maintenance base for the whole network.",
            "Each gauge combines a radar sensor mounted above the water with a pressure "
            "sensor below the lowest tide level, so that readings can be cross-checked. "
            "Benchmarks on bedrock next to each gauge are levelled every two years to detect "
            "any movement of the land itself.",
            "Project Atlas is led by Dr. Ingrid Solberg, who joined the institute in 2019. "
            "She coordinates the field team, the partner harbour authorities and the annual "
            "report on coastal water levels.",
            "Station staff are asked to log any visible damage to a gauge, such as a bent "
            "mounting arm or a missing solar panel, in the programme's fault book. Do not "
            "attempt repairs on a gauge without the programme's technician present.",
        ],
    ),
    (
        "7. Records, Samples and Retention",
        [
            "Paper field notebooks remain the property of the institute. When a campaign "
            "ends, notebooks are scanned at the station and the originals are sent to the "
            "archive in Marrow Bay, where they are kept for twenty-five years.",
            "Physical samples, including sediment cores, water samples and preserved "
            "specimens, are labelled with the campaign code, date and collector initials "
            "before they leave the wet lab. Unlabelled samples are discarded at the end of "
            "each week.",
            "Photographs taken for scientific purposes are copied to the station file "
            "server on the day they are taken. Photographs showing visitors or members of "
            "the public are deleted after twelve months unless written consent has been "
            "given.",
            "Electronic sensor data follows the institute's data pipeline rules, which are "
            "described in a separate document. Questions about retention should be sent to "
            "the institute's records officer.",
        ],
    ),
]


def build_pdf(out: Path) -> None:
    from fpdf import FPDF

    class Handbook(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", "I", 9)
            self.set_text_color(90, 90, 90)
            self.cell(0, 8, f"{ORG} - Hallow Point Field Station Handbook",
                      new_x="LMARGIN", new_y="NEXT", align="L")
            self.set_draw_color(160, 160, 160)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(6)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", "", 9)
            self.set_text_color(90, 90, 90)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Handbook(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("Hallow Point Field Station Handbook")
    pdf.set_author(ORG)
    pdf.set_subject("Field station handbook (sample document)")
    pdf.set_creator("build_samples.py")
    pdf.set_producer("build_samples.py (fpdf2)")
    pdf.set_lang("en")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 15, 20)

    for title, paragraphs in HANDBOOK_PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("Helvetica", "", 11)
        for para in paragraphs:
            para.encode("latin-1")  # core fonts only support latin-1
            pdf.multi_cell(0, 6, para, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)

    pdf.output(str(out))


# ---------------------------------------------------------------------------
# 2. DOCX: remote work policy
# ---------------------------------------------------------------------------

POLICY_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "1. Purpose and Scope",
        [
            "This policy sets out how staff of Northwind Lighthouse Research may work away "
            "from the institute's offices. It applies to all employees on permanent and "
            "fixed-term contracts at the Marrow Bay office. Field station staff and boat "
            "crews are covered by separate rostering arrangements because their work "
            "cannot be done remotely.",
            "The aim of the policy is to give staff flexibility while keeping the "
            "collaboration, mentoring and informal exchange of ideas that happen best in "
            "person.",
        ],
    ),
    (
        "2. Eligibility and Working Pattern",
        [
            "Employees may work remotely up to three days per week, with Tuesday as the "
            "common office day. Tuesday is reserved for team meetings, seminars and "
            "supervision, so remote work on a Tuesday is only possible with the written "
            "agreement of a line manager.",
            "New employees work from the office for their first four weeks so that they "
            "can complete induction, meet their colleagues and learn the institute's "
            "systems. After that period, the line manager and the employee agree a regular "
            "pattern and record it in the HR system.",
            "Remote work is a flexible arrangement, not a contractual right. It may be "
            "paused temporarily during busy periods such as the annual report deadline or "
            "major equipment moves, with at least one week's notice.",
        ],
    ),
    (
        "3. Equipment and Expenses",
        [
            "The institute provides a laptop, a headset and, on request, a monitor and "
            "keyboard for home use. Equipment remains the property of the institute and "
            "must be returned when employment ends. The table below summarises what is "
            "provided and who pays for it.",
        ],
    ),
    (
        "4. Security and Data Protection",
        [
            "Staff working remotely must connect to institute systems through the virtual "
            "private network and must lock their screen whenever they leave the device. "
            "Confidential documents, personnel files and unpublished research data may not "
            "be printed at home.",
            "Work must not be carried out on public Wi-Fi networks without the VPN, and "
            "institute laptops must not be used by family members or other people. Lost or "
            "stolen equipment is reported to the IT service desk on the same day.",
        ],
    ),
    (
        "5. Availability and Communication",
        [
            "Remote workers are expected to be reachable on the institute's chat system and "
            "by phone during the core hours of 10:00 to 15:00. Calendars must show whether a "
            "person is working remotely or in the office so that colleagues can plan "
            "meetings.",
            "Managers hold a short check-in with each remote worker at least once every two "
            "weeks. These conversations cover workload, wellbeing and any practical "
            "problems with the home set-up.",
        ],
    ),
    (
        "6. Health, Safety and Review",
        [
            "Employees complete a home workstation self-assessment before they start "
            "working remotely and repeat it once a year. The health and safety adviser can "
            "arrange a video call to help adjust chairs, screens and lighting.",
            "This policy is reviewed every two years by the human resources team together "
            "with staff representatives. Questions about the policy should be sent to the "
            "HR team in the first instance.",
        ],
    ),
    (
        "7. Working from Other Locations",
        [
            "Remote work normally means working from the employee's home address. Working "
            "from another location within the country, such as a holiday cottage, is "
            "allowed for short periods if the line manager is informed in advance. Working "
            "from abroad requires approval from human resources because of tax and "
            "insurance rules, and is limited to a maximum of ten working days per year.",
        ],
    ),
]

POLICY_TABLE = [
    ("Item", "Provided by", "Notes"),
    ("Laptop and headset", "Institute", "Issued to all eligible staff"),
    ("Monitor and keyboard", "Institute", "On request, one set per person"),
    ("Office chair", "Institute", "After a workstation assessment"),
    ("Home internet", "Employee", "Not reimbursed"),
    ("Travel to office", "Employee", "Normal commuting rules apply"),
]


def build_docx(out: Path) -> None:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_heading("Remote Work Policy", level=0)
    intro = document.add_paragraph()
    intro.add_run(f"{ORG} - Human Resources. ").bold = True
    intro.add_run("Version 2.1, effective 1 March 2025.")

    for heading, paragraphs in POLICY_SECTIONS:
        document.add_heading(heading, level=1)
        for text in paragraphs:
            document.add_paragraph(text)
        if heading.startswith("3."):
            table = document.add_table(rows=0, cols=3)
            table.style = "Table Grid"
            for r, row in enumerate(POLICY_TABLE):
                cells = table.add_row().cells
                for cell, value in zip(cells, row):
                    cell.text = value
                    if r == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
                            run.font.size = Pt(11)
            document.add_paragraph(
                "Staff who need adapted equipment for medical reasons should contact the "
                "health and safety adviser, who will arrange an individual assessment."
            )

    props = document.core_properties
    props.title = "Remote Work Policy"
    props.subject = "Sample document for the RAG demo"
    props.author = ORG
    props.last_modified_by = ORG
    props.keywords = "remote work, policy, human resources"
    props.comments = "Original sample text, CC0 1.0"
    props.category = "Policy"
    props.revision = 1
    naive = FIXED_DATE.replace(tzinfo=None)
    props.created = naive
    props.modified = naive
    props.last_printed = naive

    buf = io.BytesIO()
    document.save(buf)
    out.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps/attributes so output is reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    dst_buf = io.BytesIO()
    with zipfile.ZipFile(dst_buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # keep original order ([Content_Types].xml first)
            new = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            new.create_system = 3
            dst.writestr(new, src.read(info.filename))
    return dst_buf.getvalue()


# ---------------------------------------------------------------------------
# 3. HTML: kelp forest survey
# ---------------------------------------------------------------------------

KELP_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="author" content="Northwind Lighthouse Research">
<title>Kelp Forest Survey 2025 - Northwind Lighthouse Research</title>
<style>
  /* STYLE BLOCK: layout rules only, not document text. */
  body { font-family: Georgia, serif; max-width: 46em; margin: 2em auto; line-height: 1.55; color: #1d2b2a; }
  h1, h2 { font-family: Helvetica, Arial, sans-serif; color: #0f4c45; }
  .figure-note::before { content: "Stylesheet decoration - not part of the article"; }
  table { border-collapse: collapse; }
  td, th { border: 1px solid #9bb; padding: 0.3em 0.6em; }
</style>
<script>
  // SCRIPT BLOCK: page behaviour only, not document text.
  var analyticsNote = "This sentence lives inside a script block and must never be indexed.";
  document.addEventListener("DOMContentLoaded", function () {
    var stamp = document.getElementById("last-updated");
    if (stamp) { stamp.title = "Rendered by script: 9,999 imaginary urchins"; }
  });
</script>
</head>
<body>
<header>
<p>Northwind Lighthouse Research &middot; Coastal Ecology Group</p>
<h1>Kelp Forest Survey 2025: Urchins on the Rise</h1>
<p id="last-updated">Published 14 November 2025</p>
</header>

<main>
<article>
<h2>Why we survey the kelp forest</h2>
<p>The kelp forest off Hallow Point is one of the most productive habitats on the
northern coast. Tall stands of sugar kelp and oarweed provide shelter for juvenile
fish, food for grazing snails and a surface for hundreds of smaller organisms to
settle on. Because kelp responds quickly to changes in water temperature, nutrients
and grazing pressure, the forest is a sensitive indicator of the health of the wider
coastal ecosystem.</p>
<p>Northwind Lighthouse Research has surveyed the same stretch of reef every
September since 2016. Using the same sites, the same methods and, as far as
possible, the same divers makes it possible to compare one year with the next and to
separate genuine trends from ordinary year-to-year variation.</p>

<h2>How the survey works</h2>
<p>The survey follows nine permanent transects, each fifty metres long, laid along
the reef at depths between four and twelve metres. The ends of every transect are
marked with stainless steel pins drilled into the rock, so that the tape can be laid
in exactly the same place each year.</p>
<p>Along each transect, pairs of divers record:</p>
<ul>
<li>the number and length of kelp stipes within one metre of the tape;</li>
<li>the number of purple sea urchins and green sea urchins, counted by hand;</li>
<li>the percentage cover of bare rock, coralline algae and turf algae in quadrats every five metres;</li>
<li>the presence of sea stars, wrasse and lobsters, which prey on urchins;</li>
<li>water temperature and visibility at the start and end of each dive.</li>
</ul>
<p>All counts are entered on waterproof slates underwater and transcribed on the
same day, with a second person checking every sheet against the slate.</p>

<h2>What we found in 2025</h2>
<p>The 2025 survey counted 4,180 purple sea urchins across the nine transects. This
is the highest total since monitoring began and more than double the count from
2021. Urchin densities were highest on the two shallowest transects, where divers
described patches of bare rock several metres across with no kelp at all, a
condition often called an urchin barren.</p>
<p>Kelp density fell by about a fifth compared with the previous year, although the
deeper transects were largely unchanged. Green sea urchins, by contrast, remained
scarce, and the number of sea stars recorded was the lowest in the series. Several
divers noted that the surviving sea stars looked healthy, which suggests that the
low numbers reflect a slow recovery from earlier losses rather than an ongoing
disease outbreak.</p>
<p>Sea temperature during the survey week averaged 13.8 degrees Celsius at six
metres, slightly above the long-term September average for the site.</p>

<h2>What the results mean</h2>
<p>Purple urchins graze on kelp holdfasts and can clear large areas of reef when
their predators are scarce. Once a barren forms, it can persist for many years even
after the original cause has gone, because the urchins survive on a thin film of
algae and keep any new kelp from becoming established. The rising counts are
therefore a concern, even though most of the reef still supports healthy kelp.</p>
<p>The team does not yet recommend active intervention such as removing urchins by
hand. Instead, the institute will add a spring survey in 2026 to find out whether
urchin numbers change during the winter, and will work with local fishers to record
sightings of lobsters and wrasse.</p>

<h2>Limitations of the data</h2>
<p>Counts made by divers are never perfect. Small urchins hide in crevices and under
kelp holdfasts, so the survey probably underestimates the true number, especially on
the more complex parts of the reef. Poor visibility on two of the survey days also
slowed the work on the deepest transect. Because the same method has been used since
2016, however, the direction of change between years is considered reliable.</p>

<h2>Get involved</h2>
<p>Volunteer snorkellers can help by joining the shore-based counts held in July. No
scientific experience is needed, but participants must be confident swimmers and
attend a short briefing at the field station. The full data set from the 2025 survey
will be published alongside the annual coastal ecology report early next year.</p>
</article>
</main>

<footer>
<p>&copy; 2025 Northwind Lighthouse Research. Sample document released under CC0 1.0.</p>
</footer>
</body>
</html>
"""

# ---------------------------------------------------------------------------
# 4. Markdown: sensor data pipeline
# ---------------------------------------------------------------------------

PIPELINE_MD = """# Sensor Data Pipeline

*Northwind Lighthouse Research - Data Services Team*

This document describes how readings from the institute's environmental sensors travel
from the instrument in the field to the analysis-ready archive. It is intended for
researchers who use the data and for engineers who maintain the pipeline.

## Overview

Raw sensor readings are uploaded every fifteen minutes and kept for ten years. Each
upload is a small batch file produced by a data logger at the sensor site. The pipeline
validates each batch, converts it to a common format, applies quality control and
publishes the result to the archive and to the live dashboards.

The main data sources are:

- water temperature and conductivity loggers moored in the harbour;
- weather stations on the station roof and at the inland reference site;
- turbidity sensors on the two river mouths;
- light and nutrient sensors on the research buoy.

## Stages

1. **Ingest.** Loggers push batch files over the cellular network to the ingest
   server. Files that arrive late are accepted for up to seven days.
2. **Validate.** Each file is checked for a known sensor identifier, a valid
   timestamp range and the expected number of columns. Rejected files are moved to a
   quarantine folder and the data team is notified.
3. **Standardise.** Units are converted to SI, timestamps to UTC, and every record
   is tagged with the sensor's calibration version.
4. **Quality control.** Automatic tests flag values outside physical limits, sudden
   spikes and flat lines that suggest a stuck sensor. Flags are added, never used to
   delete data.
5. **Publish.** Clean, flagged records are written to the archive and summarised as
   hourly averages for the dashboards.

## Configuration example

Each sensor is described by a short configuration entry. The example below shows the
settings for a harbour conductivity logger:

```yaml
sensor_id: HARB-CT-03
type: conductivity_temperature
site: marrow-bay-harbour
upload_interval_minutes: 15
units:
  temperature: degC
  conductivity: mS/cm
qc:
  temperature_range: [-2, 30]
  spike_threshold: 3.0
  flatline_minutes: 120
```

## Storage and retention

- **Raw files** are stored exactly as received, in read-only object storage.
- **Standardised records** are kept in the archive database and can be rebuilt from
  the raw files at any time.
- **Hourly summaries** are kept for as long as the dashboards need them.
- Storage is replicated to a second data centre every night.

Because raw readings are kept, the whole archive can be reprocessed when quality
control rules improve or when a calibration error is discovered later.

## Access

Researchers request access through the data services portal. Most data are released
openly after a six-month embargo; data from partner organisations follow the terms of
the relevant agreement.

## Contacts

Report pipeline problems, missing uploads or suspicious values to the Data Services
Team through the service desk. Urgent outages outside working hours are handled by
the on-call engineer listed on the team's rota.
"""

# ---------------------------------------------------------------------------
# 5. Plain text: visitor FAQ
# ---------------------------------------------------------------------------

VISITOR_FAQ = """HALLOW POINT FIELD STATION - VISITOR FAQ
Northwind Lighthouse Research
=========================================

Q: Can members of the public visit the field station?
A: Yes. The station's visitor centre, in the old oil store beside the lighthouse,
welcomes visitors of all ages. The research buildings, laboratories and boathouse
are not open to the public.

Q: When is the visitor centre open?
A: The visitor centre is open from 10:00 to 16:00, Wednesday to Sunday, from April
to October. It is closed on Mondays and Tuesdays and throughout the winter months,
although school groups can arrange winter visits by appointment.

Q: Is there an entry charge?
A: Entry to the visitor centre is free. Donations towards the education programme
are welcome and can be made at the desk or by card.

Q: What can I see there?
A: The centre has a small exhibition about the history of the lighthouse and its
keepers, a touch tank with shore creatures collected from the rock pools, and a
live display showing current weather and water temperature at the point. Staff
give a short talk about the institute's research at 11:30 and 14:30 on open days.

Q: Can I climb the lighthouse?
A: No. The tower is closed for safety reasons and is not accessible to visitors.

Q: How do I get there?
A: The station is at the end of Hallow Point Road, about forty minutes' drive from
Marrow Bay. There is a small free car park at the end of the access road. The
seasonal coastal bus stops at the Hallow Point turning, a fifteen-minute walk away.

Q: Are dogs allowed?
A: Dogs on a lead are welcome on the coastal path and in the car park, but only
assistance dogs may enter the visitor centre.

Q: Is the site accessible?
A: The visitor centre is on one level with step-free access and an accessible
toilet. The path down to the rock pools is steep and uneven and is not suitable
for wheelchairs.

Q: Can I join a boat trip or a dive?
A: Boat trips and dives are for research staff only. Volunteer opportunities, such
as the summer shore-based snorkel counts, are advertised on the institute website.

Q: Is there food on site?
A: There is no cafe, but picnic tables are available beside the car park. Please
take all litter home with you.

Q: Who do I contact with other questions?
A: Contact the institute's outreach team through the website or ask at the
visitor centre desk during opening hours.
"""


# ---------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "docs"
    out_dir.mkdir(parents=True, exist_ok=True)

    build_pdf(out_dir / "field-station-handbook.pdf")
    build_docx(out_dir / "remote-work-policy.docx")
    for name, text in (
        ("kelp-forest-survey.html", KELP_HTML),
        ("data-pipeline.md", PIPELINE_MD),
        ("visitor-faq.txt", VISITOR_FAQ),
    ):
        with open(out_dir / name, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    for path in sorted(out_dir.iterdir()):
        if path.is_file():
            print(f"{path.stat().st_size:>8}  {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
