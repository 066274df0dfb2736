# Search.
search-title = Search
search-intro = Find testimonies by words in any form (beaten, beating), or people by name in any script. Only your cases are searched; what you search for is recorded sealed in the audit log, never in plain text.
search-words = Words
search-words-hint = All words must appear. Put a phrase in "quotes" to find it exactly.
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
search-none = Nothing found. Try fewer words or other forms of them.
search-page = { $from }–{ $to } of { $total }
any = Any
pages = Pages
previous = Previous
next = Next
search-filters = Filters
