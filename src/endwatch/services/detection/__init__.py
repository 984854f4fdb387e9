"""The detection area: sightings recorded (sightings), names resolved (resolution), readings matched (matching)
and decided (decide) over the registry facts a run loads (world), diversions filed in cases (cases), the whole
run (run), the executor port its workers sit behind (parallel), and what it needs from storage (store)."""
