# Detention histories (issue 20): a person's episodes of deprivation of liberty, and who
# is detained per facility on a day.

dt-title = Detention history
dt-intro = Each episode of deprivation of liberty, from arrest to release: the facilities the person was held in, the charges, the hearings and the incidents that happened meanwhile.
dt-back-to-person = Back to the person
dt-total = Time in detention in all
dt-episodes = Episodes
dt-counting-rule = Days are counted with the day of arrest and the day of release included. A date known only to the month or year gives a least and a most number of days; an episode still running is counted to today ({ $today }).
dt-none = No detention recorded.
dt-picture-title = Custody periods by facility
dt-picture-desc = The custody periods of { $pseudonym }, one strip per facility, with the hearings as marks below.
dt-picture-caption = Solid: the days the person was certainly held there. Hatched: the days a date known only to the month or year may add. Triangles: hearings.
dt-episode-n = Episode { $n }
dt-status = Status
dt-status-in-custody = In custody
dt-status-released = Released
dt-status-unknown = Status unknown
dt-arrest = Arrest
dt-arrest-place = Place of arrest
dt-arrest-unit = Arresting unit
dt-release = Release
dt-release-hint = Leave the release date empty while the person is held, or when released on a date not known.
dt-time = Time in detention
dt-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
dt-days-range = at least { $least }, at most { $most } days
dt-days-least = at least { $n } days
dt-days-most = at most { $n } days
dt-days-unknown = not known
dt-still-held = still held
dt-about = about { $date }
dt-unknown-date = date not known
dt-sentence = Sentence
dt-sentence-days = Sentence in days
dt-sentence-words = Sentence as pronounced
dt-grounds = Grounds given at arrest
dt-release-circumstances = Circumstances of release
dt-periods = Custody periods
dt-periods-none = No custody period recorded.
dt-facility = Facility
dt-facility-type = Type of facility
dt-from = From
dt-to = To
dt-conditions = Conditions
dt-transfer-reason = Reason for the transfer here
dt-transfers = { $n ->
    [one] One transfer between facilities.
   *[other] { $n } transfers between facilities.
}
dt-charges = Charges
dt-charges-none = No charge recorded.
dt-law-code = Code of law
dt-article = Article
dt-article-hint = As the code numbers it: 342, 19.1 part 2, 130 ч. 3. Anything said about it goes in the description.
dt-filed = Filed
dt-charge-description = Description
dt-hearings = Hearings
dt-hearings-none = No hearing recorded.
dt-held-on = Date
dt-court = Court
dt-judge = Judge
dt-outcome = Outcome
dt-incidents = Incidents during this episode
dt-incidents-none = No incident linked.
dt-remove = Remove
dt-new-episode = Record an episode
dt-add-period = Add a custody period
dt-add-charge = Add a charge
dt-add-hearing = Add a hearing
dt-link-incident = Link an incident
dt-link = Link
dt-edit-episode = Change this episode
dt-save = Save
dt-delete-episode = Delete this episode

dt-detained-title = Detained
dt-detained-now = Detained now
dt-detained-on = Detained on { $date }
dt-detained-intro = For each facility of the case: who was held there on the day, by pseudonym.
dt-on-day = Day
dt-detained-totals = { $certainly } certainly held, { $possibly } possibly held.
dt-detained-none = Nobody recorded as held on that day.
dt-certainly = Certainly
dt-possibly = Possibly
dt-possibly-one = possibly
dt-who = Who
dt-detained-rule = Certainly: every date that bounds the stay puts the day inside it. Possibly: a date known only to the month or year may. A stay with no end date ends at the next transfer, at the release, or today while the person is held.

error-before-arrest = The release cannot be before the arrest.
error-in-custody = A person in custody has no release date: set the status to released.
error-outside-episode = This lies outside the episode's arrest and release.
error-overlaps = This overlaps another custody period of the same person.
error-periods-outside = A custody period of this episode would fall outside it.
error-invalid-article = Write the article as the code numbers it, such as 342 or 19.1 part 2.
