"""The application layer: the questions a user asks, answered once for every front end.

The command line (hrzone/cli) and the browser dashboard call these functions and only format
what they return (text, HTML or JSON), so two screens cannot disagree:

- thresholds.py  thresholds for a file or a live session (one precedence rule)
- files.py       one workout file: summary, plot, export; is its start trustworthy, its origin
- prefs.py       cue preferences with the week's minutes so far, and the cue sink they configure
- history.py     import into history (the ledger rules), sessions, recompute and its preview
- weeks.py       the week and weeks views
- live.py        live-session assembly: source, sinks, recording, saving to history
"""
