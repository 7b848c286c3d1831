"""Measures a learned second opinion for the safety rules, side by side with
the rules alone (docs/SAFETY.md, "Limits"). Run through
scripts/safety-second-opinion, which fetches the model and the rules' tiers.

The second opinion: every sentence of a post, and the whole post, is embedded
with all-MiniLM-L6-v2 (mean pooling, computed here with numpy from the
released weights); a unit whose nearest labelled tuning post is at least TAU
similar raises the post to the lowest tier among its K nearest. It only ever
raises. Units with a negation or a conditional trigger are skipped, a crude
stand-in for the rules' ConText reading. Sets D and L, never tuned on, are
never in the bank; K and TAU are chosen on the tuning sets alone, each left
out of the bank in turn."""
import pickle, re, sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from minilm import MiniLM

model_dir, rules_tsv, cache = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
model = MiniLM(model_dir)
tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
tok.no_padding()
tok.enable_truncation(256)


def embed(text):
    e = model.forward(np.array([tok.encode(text).ids]))[0].mean(0)
    return e / np.linalg.norm(e)


TIER = {"none": 0, "soon": 1, "urgent": 2, "emergency": 3}
rows = [line.rstrip("\n").split("\t", 3) for line in open(rules_tsv)]
sets = np.array([r[0] for r in rows])
expected = np.array([TIER[r[1]] for r in rows])
rules = np.array([TIER[r[2]] for r in rows])
SPLIT = re.compile(r"(?<=[.!?])\s+|,\s+(?=(?:and |but |now |then )?(?:i|my|he|she|his|her|it)\b)")
TRIGGER = re.compile(r"\b(if|should you|in case|signs of|signs like|symptoms of|watch out|look out|for anyone|anyone reading|worth knowing|psa|no|not|never|don't|didn't|doesn't|wasn't|isn't|without)\b", re.I)

if cache.exists():
    posts, units = pickle.loads(cache.read_bytes())
else:
    posts = np.stack([embed(r[3]) for r in rows])
    units = []
    for r, whole in zip(rows, posts):
        read = [embed(s) for s in SPLIT.split(r[3]) if s and len(s.split()) >= 3 and not TRIGGER.search(s)]
        if not TRIGGER.search(r[3]):
            read.append(whole)
        units.append(np.array(read).reshape(-1, 384))
    cache.write_bytes(pickle.dumps((posts, units)))


def second_opinion(bank, judged, k, tau):
    out = rules.copy()
    for i in np.where(judged)[0]:
        for sims in units[i] @ posts[bank].T:
            nearest = np.argsort(-sims)[:k]
            if sims[nearest[0]] >= tau:
                out[i] = max(out[i], expected[bank][nearest].min())
    return out


def measures(tiers, m):
    emergencies, serious, ordinary = m & (expected == 3), m & (expected >= 2), m & (expected == 0)
    return (
        ((tiers == 3) & emergencies).sum() / max(emergencies.sum(), 1),
        ((tiers <= 1) & serious).sum() / max(serious.sum(), 1),
        ((tiers == expected) & m).sum() / m.sum(),
        ((tiers > 0) & ordinary).sum() / max(ordinary.sum(), 1),
    )


fmt = lambda m: " / ".join(f"{x:.2f}" for x in m)
never = {"sealed_d", "sealed_l", "sealed_p"}
tuning_names = [s for s in dict.fromkeys(sets) if s not in never and s != "ordinary"]
tuning = np.isin(sets, tuning_names)
print("Tuning sets, each left out of the bank in turn (recall / played down / accuracy / false alarms), and the ordinary set's false alarms:")
print(f"  rules alone: {fmt(measures(rules, tuning))}, ordinary {measures(rules, sets == 'ordinary')[3]:.2f}")
chosen = []
for k in (1, 3, 5):
    for tau in (0.6, 0.65, 0.7, 0.75, 0.8):
        out = rules.copy()
        for name in tuning_names:
            m = sets == name
            out[m] = second_opinion(tuning & ~m, m, k, tau)[m]
        ordinary = second_opinion(tuning, sets == "ordinary", k, tau)
        tuned, fa = measures(out, tuning), measures(ordinary, sets == "ordinary")[3]
        print(f"  k={k} tau={tau}: {fmt(tuned)}, ordinary {fa:.2f}")
        if tuned[3] <= 0.05 and fa <= 0.05 and not any(c[0] == k for c in chosen):
            chosen.append((k, tau))
print("The loosest setting for each k with false alarms of at most 0.05, on sets D and L (never tuned on):")
for name in sorted(never):
    print(f"  {name}, rules alone: {fmt(measures(rules, sets == name))}")
for k, tau in chosen:
    for name in sorted(never):
        m = sets == name
        print(f"  {name}, rules + second opinion (k={k}, tau={tau}): {fmt(measures(second_opinion(tuning, m, k, tau), m))}")
