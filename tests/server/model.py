#!/usr/bin/env python3
"""A model-based test of sdsfhir as a synchroniser (QuickCheck's state-machine testing).

A seeded generator runs random sequences of actions against the test FHIR server: push
(whole, of one folder, --batch 1, --files-win), patient, bodysite, retract of a folder, edits
of a DICOM header, of dataset_description and of the subjects file, a copied subject folder,
a 409 serialization failure, a server that commits and then stalls, two pushes at once, a push
killed mid-way. After every step it checks the invariants against a small model of what the
user did:
  I1  every identifier once on the server (ImagingStudy, Patient, ResearchStudy, ResearchSubject);
  I2  after a push that exits 0, status exits 0: the server is what the files say plus what
      the user set on purpose;
  I3  nothing the user set is lost: a bodySite set with bodysite stays until push --files-win;
  I4  status agrees with the next push: when status says all is the same, push writes nothing;
  I5  a retracted folder's series are not on the server, and a study all of whose folders are
      retracted is gone.
A failure prints its seed and the shortest sequence of actions found that still fails (each
action is dropped in turn while the failure stays).

usage: model.py --seed N --steps N [--runs N] [--data DIR] [--tmp DIR]
Environment: SDSFHIR (the binary), FHIR and ADMIN (the test server's URLs), FHIR_MODE.
Prints TAP: one line per run.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

SDSFHIR = os.environ["SDSFHIR"]
FHIR = os.environ["FHIR"]
ADMIN = os.environ["ADMIN"]
CODES = ["80248007", "76752008", "80891009", "39607008"]  # breast, breast structure, heart, lung


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/fhir+json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return {"httpStatus": e.code}


def all_of(rtype):
    """Every resource of a type on the server (paged)."""
    out, url = [], f"{FHIR}/{rtype}?_count=200"
    for _ in range(50):
        b = http("GET", url)
        out += [e["resource"] for e in (b or {}).get("entry", [])]
        nxt = [link["url"] for link in (b or {}).get("link", []) if link.get("relation") == "next"]
        if not nxt:
            break
        url = nxt[0]
    return out


class Failure(Exception):
    pass


class World:
    """The files (a copy of the sample data), the model of what the user did, the server."""

    def __init__(self, data, tmp, rng):
        self.rng = rng
        self.root = os.path.join(tmp, "data")
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.copytree(data, self.root)
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "config"), SDSFHIR_SERVER=FHIR,
                        XDG_CACHE_HOME=os.path.join(tmp, "cache"))
        http("POST", f"{ADMIN}/reset", {})
        self.user_site = {}      # study uid -> {series uid: the bodySite code the user set}
        self.retracted = set()   # subject folders retracted and not pushed since
        self.copied = 0
        self.edits = 0

    # ---- the files ----
    def subjects(self):
        out = []
        for ds in sorted(os.listdir(self.root)):
            prim = os.path.join(self.root, ds, "primary")
            if os.path.isdir(prim):
                out += [os.path.join(prim, s) for s in sorted(os.listdir(prim))]
        return out

    def run(self, *args, timeout=120):
        p = subprocess.run([SDSFHIR, *args], capture_output=True, text=True, env=self.env, timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def study_uid(self, folder):
        rc, out, _ = self.run("fhir", "--resource", "study", folder)
        try:  # an array of ImagingStudies
            return [i["value"] for r in json.loads(out) for i in r["identifier"] if i.get("system") == "urn:dicom:uid"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return None

    # ---- the checks ----
    def check(self, after):
        seen = {}
        for rtype in ("ImagingStudy", "Patient", "ResearchStudy", "ResearchSubject"):
            for r in all_of(rtype):
                for i in r.get("identifier", []):
                    if rtype == "ImagingStudy" and i.get("system") != "urn:dicom:uid":
                        continue
                    key = (rtype, i.get("system"), i.get("value"))
                    if key in seen:
                        raise Failure(f"I1 after {after}: {rtype} identifier {key[1]}|{key[2]} twice "
                                      f"({seen[key]} and {r.get('id')})")
                    seen[key] = r.get("id")
        studies = {[i["value"] for i in s.get("identifier", []) if i.get("system") == "urn:dicom:uid"][0]: s
                   for s in all_of("ImagingStudy")}
        for uid, sites in self.user_site.items():
            s = studies.get(uid)
            for se in (s or {}).get("series", []):
                want = sites.get(se.get("uid"))
                have = (se.get("bodySite") or {}).get("code")
                if want and have != want:
                    raise Failure(f"I3 after {after}: the bodySite {want} set on series {se.get('uid')} of {uid} is lost: "
                                  f"the server has {have}")
        for sub, uid in self.retracted:
            tag = f"urn:uid:{sub}-{(uid or '').replace('urn:oid:', '')}"
            for s in studies.values():
                if any(i.get("value") == tag for i in s.get("identifier", []) if i.get("system") == "urn:sparc_study:uid"):
                    raise Failure(f"I5 after {after}: retracted folder {sub} still named by ImagingStudy/{s.get('id')}")

    def status_same(self, after):
        rc, out, err = self.run("status", "--same-person", self.root)
        if rc != 0:
            raise Failure(f"I2 after {after}: status exits {rc}:\n{out}{err}")

    # ---- the actions ----
    def act(self, name, arg):
        """Carry out action name (arg: its random choice, fixed when replayed); raise Failure."""
        subs = self.subjects()
        folder = subs[arg % len(subs)] if subs else self.root
        if name == "push":
            rc, out, err = self.run("push", self.root)
            if rc != 0:
                raise Failure(f"push exits {rc}:\n{out}{err}")
            self.retracted.clear()
            self.status_same(name)
        elif name == "push-batch1":
            rc, out, err = self.run("push", "--batch", "1", self.root)
            if rc != 0:
                raise Failure(f"push --batch 1 exits {rc}:\n{out}{err}")
            self.retracted.clear()
            self.status_same(name)
        elif name == "push-folder":
            rc, out, err = self.run("push", folder)
            if rc not in (0, 1):
                raise Failure(f"push of a folder exits {rc}:\n{out}{err}")
            uid = self.study_uid(folder)
            self.retracted = {(s, u) for s, u in self.retracted if u != uid}  # all of its study is sent
        elif name == "files-win":
            rc, out, err = self.run("push", "--files-win", self.root)
            if rc != 0:
                raise Failure(f"push --files-win exits {rc}:\n{out}{err}")
            self.user_site.clear()
            self.retracted.clear()
            self.status_same(name)
        elif name == "patient":
            rc, out, err = self.run("patient", self.root)
            if rc != 0:
                raise Failure(f"patient exits {rc}:\n{out}{err}")
        elif name == "bodysite":
            code = CODES[arg % len(CODES)]
            rc, out, err = self.run("bodysite", "--code", code, folder)
            uid = self.study_uid(folder)
            if rc == 0 and ("updated" in out or "already set" in out) and uid:
                # the series the server has now get it; one put back later by a push is the files'
                s = [r for r in all_of("ImagingStudy") if any(i.get("value") == uid for i in r.get("identifier", []))]
                self.user_site[uid] = {se.get("uid"): code for se in (s[0].get("series", []) if s else [])}
            elif "not on the server" not in out:
                raise Failure(f"bodysite exits {rc}:\n{out}{err}")
        elif name == "retract":
            rc, out, err = self.run("retract", "--yes", folder)
            if rc not in (0, 1):
                raise Failure(f"retract exits {rc}:\n{out}{err}")
            if rc == 0 and "not on the server" not in out:
                uid = self.study_uid(folder)
                self.retracted.add((os.path.basename(folder), uid))
                self.user_site.pop(uid, None)  # its series are gone: what was set on them too
        elif name == "check-agreement":
            rc, out, err = self.run("status", "--same-person", self.root)
            if rc == 0:
                rc2, out2, err2 = self.run("push", self.root)
                if "created" in out2 or "updated" in out2:
                    raise Failure(f"I4: status said all is the same, and push wrote:\n{out}{out2}{err2}")
        elif name == "edit-header":
            self.edits += 1
            files = [os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".dcm")]
            if files:
                subprocess.run(["dcmodify", "-nb", "-m", f"(0008,1030)=Edit {self.edits}", *files], capture_output=True)
        elif name in ("edit-title", "edit-group"):
            self.edits += 1
            ds = os.path.dirname(os.path.dirname(folder))
            fname = os.path.join(ds, "dataset_description.csv" if name == "edit-title" else "subjects.csv")
            with open(fname) as f:
                lines = f.read().splitlines()
            for k, line in enumerate(lines):
                if name == "edit-title" and line.startswith("Title,"):
                    lines[k] = f"Title,Title edit {self.edits}"
                if name == "edit-group" and line.startswith(os.path.basename(folder) + ","):
                    cells = line.split(",")
                    cells[2] = f"group{self.edits % 3}"
                    lines[k] = ",".join(cells)
            with open(fname, "w") as f:
                f.write("\n".join(lines) + "\n")
        elif name == "copy-folder":
            if self.copied < 1:
                self.copied += 1
                sams = sorted(os.listdir(folder))
                dest = folder + "-copy"
                os.makedirs(dest, exist_ok=True)
                if sams:
                    shutil.copytree(os.path.join(folder, sams[0]), os.path.join(dest, sams[0]), dirs_exist_ok=True)
        elif name == "fault-409":
            http("POST", f"{ADMIN}/fault", {"status": 409, "count": 1, "method": "POST",
                                            "text": "could not serialize access due to concurrent update"})
            try:
                self.act("push", arg)
            finally:
                http("POST", f"{ADMIN}/fault", {"clear": True})  # one not met (nothing was sent)
        elif name == "stall":
            self.act("edit-header", arg)
            http("POST", f"{ADMIN}/fault", {"stallAfterMs": 1500, "count": 1, "method": "POST"})
            rc, out, err = self.run("push", "-v", "--batch", "1", "--retries", "0", "--timeout", "1", self.root)
            http("POST", f"{ADMIN}/fault", {"clear": True})
            time.sleep(0.6)  # the stalled reply ends
            if rc != 0:
                raise Failure(f"push through a stall exits {rc}:\n{out}{err}")
            self.retracted.clear()
            self.status_same(name)
        elif name == "concurrent":
            self.act("edit-header", arg)
            procs = [subprocess.Popen([SDSFHIR, "push", self.root], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=self.env) for _ in range(2)]
            outs = [p.communicate(timeout=120) for p in procs]
            if any(p.returncode != 0 for p in procs):
                raise Failure("two pushes at once: one failed:\n" + "".join(o + e for o, e in outs))
            self.retracted.clear()
        elif name == "kill-push":
            self.act("edit-header", arg)
            p = subprocess.Popen([SDSFHIR, "push", "--batch", "1", self.root], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=self.env)
            time.sleep((arg % 5) * 0.05)
            p.send_signal(signal.SIGKILL)
            p.wait()
            time.sleep(0.2)
            self.retracted.clear()  # what it sent, nobody knows: the next push says
        self.check(name)


ACTIONS = ["push", "push", "push-batch1", "push-folder", "files-win", "patient", "bodysite", "bodysite", "retract",
           "check-agreement", "edit-header", "edit-title", "edit-group", "copy-folder", "fault-409", "stall",
           "concurrent", "kill-push"]


def sequence(seed, steps):
    rng = random.Random(seed)
    return [(rng.choice(ACTIONS), rng.randrange(1 << 16)) for _ in range(steps)]


def replay(seq, args, seed):
    """None when the sequence keeps the invariants, else the failure."""
    world = World(args.data, args.tmp, random.Random(seed))
    for name, arg in seq:
        try:
            world.act(name, arg)
        except Failure as f:
            return f"{name}: {f}"
        except subprocess.TimeoutExpired as e:
            return f"{name}: timed out: {e}"
    return None


def shrink(seq, args, seed):
    """Drop actions one at a time while the sequence still fails."""
    i = 0
    while i < len(seq):
        shorter = seq[:i] + seq[i + 1:]
        if shorter and replay(shorter, args, seed):
            seq = shorter
        else:
            i += 1
    return seq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=0, help="run seeds until this long has passed")
    ap.add_argument("--data", default=os.path.join(os.environ.get("top_srcdir", "."), "data"))
    ap.add_argument("--tmp", required=True)
    args = ap.parse_args()
    start, n, bad, seed = time.time(), 0, 0, args.seed
    while n < args.runs or (args.seconds and time.time() - start < args.seconds):
        seq = sequence(seed, args.steps)
        why = replay(seq, args, seed)
        n += 1
        if why is None:
            print(f"ok {n} - seed {seed}: {args.steps} steps, the invariants held "
                  f"({', '.join(name for name, _ in seq)})")
        else:
            bad += 1
            print(f"not ok {n} - seed {seed}: {why.splitlines()[0]}")
            for line in why.splitlines()[1:20]:
                print(f"#   {line}")
            small = shrink(seq, args, seed)
            print(f"#   shortest sequence that still fails ({len(small)} of {len(seq)} steps): "
                  f"{json.dumps(small)}")
            print(f"#   replay: model.py --seed {seed} --steps {args.steps}")
        seed += 1
        sys.stdout.flush()
    print(f"1..{n}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
