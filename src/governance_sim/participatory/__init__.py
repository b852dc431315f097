"""The participatory classroom: students play the role table's roles from their phones.

``governance-sim classroom --participatory`` serves it (:mod:`.server`). The parts, lowest
first: :mod:`.roles` (roles, their choices, role assignment), :mod:`.bridge` (the model and
how choices reach its arrays), :mod:`.session` (the state machine), :mod:`.protocol`
(messages, rate limiting), :mod:`.views` and :mod:`.figures` (what each page is sent),
:mod:`.export` (CSV and offline report), :mod:`.pages` (the HTML), :mod:`.server` (HTTP).
See docs/participatory.md.
"""
