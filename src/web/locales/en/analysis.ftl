# The analysis pages (issue 19): corroboration, timeline, patterns, map, chain of command
# and a person's linkage.

an-hub-title = Analysis
an-hub-intro = What the records of this case show together and no single one does. Each view is drawn as a picture with the same content in a table beside it.
an-the-case = The case
an-views = Analysis views
an-audited = Each view you open is recorded in the audit log, as any read of the records it is made of.
an-downloads = Downloads
an-corroboration-csv = Download the corroboration table (CSV)
an-patterns-csv = Download the counts (CSV)
an-map-geojson = Download the places (GeoJSON, for QGIS or any map tool)

an-corroboration-title = Corroboration
an-corroboration-about = For every link between a person or unit and an incident: how many independent witnesses support it, and whether any account contradicts it.
an-corroboration-intro = Each row is one link: a person or unit, the part they played and the incident. A link is corroborated by two or more independent witnesses and no contradicting account.
an-strengths = Links by strength
an-strengths-caption = How many links have each strength, before any filter.
an-strength = Strength
an-links = Links
an-links-title = Links and their sources
an-links-none = No links match.
an-all = All
an-order = Order
an-order-strongest = Strongest first
an-order-weakest = Weakest first (what needs another witness)
an-order-date = By incident date
an-show = Show
an-counting-rule = A source is a witness, not a testimony. Victims and eyewitnesses are first-hand; relatives, lawyers and others second-hand, who together count as at most one independent source, and as none when a victim of the incident gave a first-hand account.
an-subject = Person or unit
an-independent = Independent
an-first-hand = First-hand
an-second-hand = Second-hand
an-contradicting = Contradicting
an-sources = Sources
an-no-sources = No sealed testimony
an-contradicts = contradicts
an-mark-contradicts = Mark as contradicting
an-mark-supports = Mark as supporting
an-strength-corroborated = Corroborated
an-strength-single-source = Single source
an-strength-hearsay-only = Hearsay only
an-strength-contradicted = Contradicted
an-strength-unsupported = Unsupported

an-timeline-title = Timeline
an-timeline-about = Incidents over time, a strip per facility or unit; dates known only to the month or year drawn as the whole span.
an-timeline-intro = A month-precision date is drawn over the whole month, a year over the whole year, an estimate hatched. Choose a period to zoom in.
an-timeline-caption = Incidents over time; the table below lists the same incidents.
an-timeline-empty = No dated incident falls in this period.
an-from = From
an-to = To
an-lanes = A strip per
an-lanes-place = Place
an-lanes-unit = Unit
an-period-shown = Period shown: { $period }
an-undated-n = { $n ->
    [one] One incident has no date and is not on the timeline.
   *[other] { $n } incidents have no date and are not on the timeline.
}
an-no-lane = No place or unit
an-start = Began
an-end = Ended
an-days-drawn = Days drawn
an-estimated = estimated
an-detention = detention
an-marks = Testimonies taken in this period
an-testimony = Testimony
an-open-testimony = Open the testimony
an-incidents-described = Incidents it describes here
an-undated = date unknown
an-date-estimate = about { $date }

an-patterns-title = Patterns
an-patterns-about = Counts that show scale and system: incidents and victims per week, facility, act, method and unit, and methods across facilities.
an-patterns-intro = Counts of incidents and of distinct victims in this case, drawn as small multiples; each picture has its table beneath it.
an-small-count-rule = Any count from 1 up to but not including { $min } is shown as “fewer than { $min }”, and so is one more where a withheld count could be worked out from the others and a total, so that no aggregate can single out a witness.
an-withheld = fewer than { $min }
an-victims = Victims
an-as-table = The same as a table
an-series-caption = { $dimension }: incidents and distinct victims.
an-nothing-counted = Nothing to count yet.
an-dim-week = Week
an-dim-month = Month
an-dim-facility = Facility
an-dim-act-type = Type of act
an-dim-method = Method
an-dim-unit = Unit
an-dim-other = Other
an-matrix-title = Methods across facilities
an-matrix-intro = The same method recurring in several facilities is a sign of a system rather than of one person's acts.

an-map-title = Map
an-map-about = The places of the case with coordinates, on an offline map, sized by their incidents.
an-map-intro = Places with coordinates, on a simple map drawn here (nothing is fetched from elsewhere); the larger the mark, the more incidents.
an-map-caption = Places of the case sized by their incidents; the table below lists them.
an-without-coordinates = { $n ->
    [one] One place has no coordinates and is not on the map.
   *[other] { $n } places have no coordinates and are not on the map.
}
an-no-points = No place of this case has coordinates yet.
an-latitude = Latitude
an-longitude = Longitude

an-command-title = Chain of command
an-command-about = From a unit at the top of a hierarchy: its units, their commanders over time, and the incidents attributed at each level.
an-command-intro = The units below this one, their commanders over time, the incidents of each unit (its own and its members') and those rolled up from the units below.
an-command-caption = The hierarchy with its commanders and incidents; the table below says the same.
an-command-link = Chain of command and attributed incidents
an-no-units = This case has no units yet.
an-back-to-unit = Back to the unit
an-unit-timeline = Timeline of this unit
an-cut = { $n ->
    [one] One unit's recorded parent is missing; it is shown at the top.
   *[other] { $n } units' recorded parents are missing; they are shown at the top.
}
an-hierarchy = Units
an-level = Level
an-own-incidents = Own incidents
an-rolled-up = With the units below
an-attributed = Incidents attributed to each commander
an-attributed-hint = Incidents of the unit and the units below it during the command period: certain when the incident's dates lie wholly within the period, possible when a partial date only overlaps it.
an-no-commanders = No commander is recorded for these units.
an-none-in-period = No incident falls in this period.
an-certain = Within the period
an-possible = Possibly within the period

an-linkage-title = Linkage
an-linkage-intro = Every link between this person and an incident, how well it is supported, and, when they commanded, the incidents of the units below them during their command.
an-linkage-link = Linkage and corroboration
an-back-to-person = Back to the person
an-person-timeline = Timeline of this person
an-linkage-strengths-caption = How many of this person's links have each strength.
an-namesakes = The same name in your other cases
an-namesakes-hint = Perpetrators recorded under one of the same whole names in other cases you work on, and their links: a lead to check, not a proven identity.
an-responsibility = Command responsibility
an-attribution = Attribution
an-table-cut = The first { $shown } of { $total } rows are listed: choose a shorter period to see the rest.
