"""Pages that gather several apps: each module builds one page from the apps' selectors (a
selector returning a dataclass) and serves it (its views), so that no app imports its siblings
to draw a page. `couple` is the couple page (the staff's and the partner's portal), `console`
the staff's console."""
