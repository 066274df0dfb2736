# Search.
search-title = Search
search-intro = Find people by any part of their name in any script, and testimonies by words in any form (beaten, beating), in one search. Only your cases are searched; what you search for is recorded sealed in the audit log, never in plain text.
search-words = Words
search-words-hint = People by any part of their name, in any order and script (Sidorenko, Сидоренко Виктор); testimonies by words in any form. All words must appear. Put a phrase in "quotes" to find it exactly.
search-kind = Look for
search-case = Case
search-all-cases = All my cases
search-from = Incidents from
search-to = Incidents until
search-button = Search
search-results = { $total ->
    [one] One result
   *[other] { $total } results
}
search-page = { $from }–{ $to } of { $total }
any = Any
pages = Pages
previous = Previous
next = Next
search-filters = Filters
search-kind-all = People and testimonies
search-people = { $total ->
    [one] One person
   *[other] { $total } people
}
search-testimonies = { $total ->
    [one] One testimony
   *[other] { $total } testimonies
}
search-none-persons = Nothing found among people: no one you may see in your cases has a name with all these parts, in any order or script.
search-none-testimonies = Nothing found in testimonies: no account in your cases has all these words in any form. Try fewer words.
search-none-filtered = Nothing found in testimonies with these words in the chosen case and filters. Try fewer words or filters.
search-none-filters-only = Nothing found: no testimony is linked to an incident that matches these filters.
search-show-all-persons = Show all people found
search-show-all-testimonies = Show all testimonies found
