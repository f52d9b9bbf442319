#!/usr/bin/env python3
"""Compares limits applied through real libpam, every item, soft and hard.

  differential.py import  CASES...   pam_limits.so on each case's limits.conf
                                     (and limits.d/*.conf) against pam_rlimit
                                     on what import-limits-conf made of it
  differential.py agree   POLICIES...  pam_rlimit through libpam against
                                     "rlimit-policy run" and "explain --json"
  differential.py random  SEED COUNT  import on random limits.conf files

Every session runs in its own process (limits_helper) under pam_wrapper
(a private service folder), nss_wrapper (fake users) and, for import and
random, kernel_shim.so: a kernel as a login process holding
CAP_SYS_RESOURCE and CAP_SYS_NICE sees it, with process 1's limits from a
file of the test's (tests/cli/proc1-limits) and utmp sessions the test
lists.  Paths come from the environment (cli.mk): CLI_TOOL, CLI_HELPER,
CLI_MODULE, CLI_PAM_LIMITS, CLI_PAM_WRAPPER, CLI_NSS_WRAPPER, CLI_NSS_DIR,
CLI_SHIM.

import compares, for every case, every user the case names, a member of
each group it names, a user with the uid or gid at each end of each range,
a user in none of its groups, and root: every rlimit (both halves), the
niceness, no_new_privs and the PAM result; where the case has login
limits, the PAM result again with as many open sessions as each limit, and
one fewer.  A case's "skip" file names users whose difference is a
documented one (the converted policy says why in a comment).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ENV = os.environ
TOOL = ENV["CLI_TOOL"]
HELPER = ENV["CLI_HELPER"]
NSS_DIR = ENV["CLI_NSS_DIR"]
HERE = os.path.dirname(os.path.abspath(__file__))
INF = "inf"

failures = []
counts = {"sessions": 0, "compared": 0, "skipped": 0, "users": 0, "cases": 0}
quiet = False  # random cases: counts only, no line per skipped comparison


def note(msg):
    if not quiet:
        print(msg)


def users(nss_dir=NSS_DIR):
    with open(os.path.join(nss_dir, "passwd")) as f:
        return [line.split(":")[0] for line in f if line.strip()]


def wrapped_env(svc_dir=None, debug=False, nss_dir=NSS_DIR, kernel=None):
    """kernel: None, or (proc1 limits file, utmp file or None) for kernel_shim.so."""
    env = dict(ENV)
    env["LD_PRELOAD"] = ENV["CLI_PAM_WRAPPER"] + ":" + ENV["CLI_NSS_WRAPPER"]
    env["PAM_WRAPPER"] = "1"
    env["NSS_WRAPPER_PASSWD"] = os.path.join(nss_dir, "passwd")
    env["NSS_WRAPPER_GROUP"] = os.path.join(nss_dir, "group")
    env.pop("SHIM_UTMP", None)
    if kernel:
        env["LD_PRELOAD"] += ":" + ENV["CLI_SHIM"]
        env["SHIM_PROC1_LIMITS"] = kernel[0]
        if kernel[1]:
            env["SHIM_UTMP"] = kernel[1]
    if svc_dir:
        env["PAM_WRAPPER_SERVICE_DIR"] = svc_dir
    if debug:
        env["PAM_WRAPPER_DEBUGLEVEL"] = "2"
    else:
        env.pop("PAM_WRAPPER_DEBUGLEVEL", None)
    return env


def run(argv, env, check=True):
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(argv), p.returncode, p.stdout,
                                                  p.stderr))
    return p


def parse_limits(text):
    """'rc N' (optional) and 'item soft hard' lines into (rc, {item: (soft, hard)})."""
    rc, lim = None, {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "rc":
            rc = int(f[1])
        elif len(f) == 3:
            lim[f[0]] = (f[1], f[2])
    return rc, lim


def write_limits(path, lim):
    with open(path, "w") as f:
        for item, (s, h) in lim.items():
            f.write("%s %s %s\n" % (item, s, h))


def service(svc_dir, name, line):
    os.makedirs(svc_dir, exist_ok=True)
    with open(os.path.join(svc_dir, name), "w") as f:
        f.write("session required %s\n" % line)


def session(svc_dir, name, user, baseline, debug=False, nss_dir=NSS_DIR, kernel=None):
    p = run([HELPER, "session", name, user, baseline],
            wrapped_env(svc_dir, debug, nss_dir, kernel))
    counts["sessions"] += 1
    rc, lim = parse_limits(p.stdout)
    return rc, lim, p.stderr


def explain(policy, user, owner, nss_dir=NSS_DIR):
    """policy: the --conf/--confdir arguments, or one file."""
    conf = policy if isinstance(policy, list) else ["--conf", policy]
    p = run([TOOL, "explain", user, "--json"] + conf + owner, wrapped_env(nss_dir=nss_dir))
    return json.loads(p.stdout)


def rlim_text(item, half):
    if item == "priority":
        return str(20 - half["rlim"])  # stored as 20 - nice, like RLIMIT_NICE
    return INF if half["unlimited"] else str(half["rlim"])


def num(v):
    return float("inf") if v == INF else int(v)


def owner_args():
    return [] if os.getuid() == 0 else ["--owner", str(os.getuid())]


# The login process's limits when a session opens: none of them process 1's
# (tests/cli/proc1-limits), so a half left alone shows.
LOGIN_LIMITS = {
    "cpu": ("inf", "inf"), "fsize": ("inf", "inf"), "data": ("inf", "inf"),
    "stack": ("8388608", "inf"), "core": ("0", "inf"), "rss": ("inf", "inf"),
    "nproc": ("4000", "5000"), "nofile": ("2048", "8192"), "memlock": ("65536", "65536"),
    "as": ("inf", "inf"), "locks": ("inf", "inf"), "sigpending": ("4000", "5000"),
    "msgqueue": ("409600", "409600"), "nice": ("0", "0"), "rtprio": ("0", "0"),
    "rttime": ("inf", "inf"), "priority": ("3", "3"),
}


def compare(label, user, got_a, got_b, names, skip_items):
    for item in names:
        if item in skip_items:
            counts["skipped"] += 1
            continue
        counts["compared"] += 1
        if got_a.get(item) != got_b.get(item):
            a, b = got_a.get(item, ("-", "-")), got_b.get(item, ("-", "-"))
            failures.append("%s: %s: %s is soft %s hard %s under %s, soft %s hard %s under %s"
                            % (label, user, item, a[0], a[1], "A", b[0], b[1], "B"))


def case_files(case):
    files = [os.path.join(case, "limits.conf")]
    ddir = os.path.join(case, "limits.d")
    if os.path.isdir(ddir):
        files += [os.path.join(ddir, n) for n in sorted(os.listdir(ddir))
                  if n.endswith(".conf") and not n.startswith(".")]
    return files


def case_lines(files):
    """The (domain, type, item, value) of every line with four fields."""
    out = []
    for path in files:
        with open(path, errors="replace") as f:
            for line in f:
                f4 = line.split("#", 1)[0].split()
                if len(f4) >= 4:
                    out.append((f4[0], f4[1].lower(), f4[2].lower(), f4[3].lower()))
    return out


def case_users(lines, tmp, name):
    """nss files with the fixed users, plus one for every name, group and range end."""
    pw = [l.rstrip("\n") for l in open(os.path.join(NSS_DIR, "passwd")) if l.strip()]
    gr = [l.rstrip("\n") for l in open(os.path.join(NSS_DIR, "group")) if l.strip()]
    unames = {l.split(":")[0] for l in pw}
    gnames = {l.split(":")[0]: i for i, l in enumerate(gr)}
    gids = {int(l.split(":")[2]) for l in gr}
    uid = [20000]

    def add_user(u, g=None, gid=None, uid_=None):
        if u in unames or len(u) > 32 or not u.replace("-", "").replace("_", "").isalnum():
            return
        uid_ = uid_ if uid_ is not None else uid[0]
        uid[0] += 1
        gid = gid if gid is not None else uid_
        if gid not in gids:
            gr.append("%s:x:%d:" % (u if u not in gnames else "g%d" % gid, gid))
            gids.add(gid)
        pw.append("%s:x:%d:%d::/home/%s:/bin/sh" % (u, uid_, gid, u))
        unames.add(u)

    def add_member(g, u):
        if g not in gnames:
            gid = 30000 + len(gr)
            while gid in gids:
                gid += 1
            gr.append("%s:x:%d:" % (g, gid))
            gids.add(gid)
            gnames[g] = len(gr) - 1
        line = gr[gnames[g]]
        gr[gnames[g]] = line + ("," if not line.endswith(":") else "") + u

    for domain, _, _, _ in lines:
        d = domain.lstrip("@%")
        if ":" in domain:
            lo, _, hi = d.partition(":")
            ends = [int(x) for x in (lo, hi) if x.isdigit() and int(x) < 4000000000]
            for e in ends:
                if domain[0] in "@%":
                    add_user("gidend%d" % e, gid=e)
                else:
                    add_user("uidend%d" % e, uid_=e)
        elif domain[0] in "@%" and d:
            u = ("in-" + d)[:32]
            add_user(u)
            if u in unames:
                add_member(d, u)
        elif domain not in ("*", "%"):
            add_user(domain)
    add_user("nogroups")
    nss = os.path.join(tmp, "nss-" + name)
    os.makedirs(nss, exist_ok=True)
    with open(os.path.join(nss, "passwd"), "w") as f:
        f.write("\n".join(pw) + "\n")
    with open(os.path.join(nss, "group"), "w") as f:
        f.write("\n".join(gr) + "\n")
    return nss


def login_limits(lines):
    """Session counts worth trying: each login limit the case writes, and one fewer."""
    tries = set()
    for _, _, item, value in lines:
        if item in ("maxlogins", "maxsyslogins"):
            try:
                n = int(value)
            except ValueError:
                continue
            for k in (n - 1, n):
                if 0 <= k <= 64:
                    tries.add(k)
    return sorted(tries)


def primary_only(lines, nss):
    """Users a documented difference covers: pam_limits matches @N:M (and @N:)
    against the primary group only, the policy's gid:N-M rule every group."""
    ranges = []
    for domain, _, _, _ in lines:
        if domain.startswith("@") and ":" in domain and not domain.startswith("@:"):
            lo, _, hi = domain[1:].partition(":")
            if lo.isdigit() and (hi.isdigit() or hi == ""):
                ranges.append((int(lo), int(hi) if hi else 2**32 - 2))
    if not ranges:
        return {}
    primary = {l.split(":")[0]: int(l.split(":")[3])
               for l in open(os.path.join(nss, "passwd")) if l.strip()}
    extra = {}
    for l in open(os.path.join(nss, "group")):
        f = l.rstrip("\n").split(":")
        for m in filter(None, f[3].split(",")) if len(f) > 3 else []:
            extra.setdefault(m, []).append(int(f[2]))
    out = {}
    for u, gids in extra.items():
        for lo, hi in ranges:
            if any(lo <= g <= hi for g in gids) and not lo <= primary.get(u, -1) <= hi:
                out[u] = ("@%d:%d matches the primary group only in pam_limits, every group in "
                          "the policy (the policy says so)" % (lo, hi))
    return out


def write_utmp(path, user, mine, others):
    """mine sessions of user and others of someone else, all of live processes."""
    with open(path, "w") as f:
        for _ in range(mine):
            f.write("%s %d\n" % (user, os.getpid()))
        for _ in range(others):
            f.write("zz-someone-else %d\n" % os.getpid())


def import_case(case, tmp, base_path, proc1, skip_documented=False):
    name = os.path.basename(case.rstrip("/"))
    files = case_files(case)
    counts["cases"] += 1
    # pam_limits reads its files one after another with one state: the same
    # as reading them joined (conf= skips limits.d, so join them here).
    joined = os.path.join(tmp, name + ".conf")
    with open(joined, "w") as out:
        for f in files:
            with open(f) as src:
                out.write(src.read())
    lines = case_lines(files)
    nss = case_users(lines, tmp, name)
    policy = os.path.join(tmp, name + ".yaml")
    p = run([TOOL, "import-limits-conf"] + files, wrapped_env(nss_dir=nss))
    with open(policy, "w") as f:
        f.write(p.stdout)
    os.chmod(policy, 0o644)
    if skip_documented and any(d in p.stdout for d in DOCUMENTED):
        print("  SKIP %s: the policy notes a documented difference" % name)
        counts["skipped_cases"] = counts.get("skipped_cases", 0) + 1
        return
    chk = run([TOOL, "check", "--conf", policy] + owner_args(), wrapped_env(nss_dir=nss),
              check=False)
    if chk.returncode != 0:
        failures.append("%s: the converted policy fails check:\n%s" % (name, chk.stderr))
        return
    skip_users = {}
    skip_file = os.path.join(case, "skip")
    if os.path.exists(skip_file):
        with open(skip_file) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    u, why = line.split(":", 1)
                    skip_users[u.strip()] = why.strip()
    svc = os.path.join(tmp, "svc-" + name)
    service(svc, "limits", "%s conf=%s" % (ENV["CLI_PAM_LIMITS"], joined))
    service(svc, "rlimit", "%s conf=%s" % (ENV["CLI_MODULE"], policy))
    names = list(LOGIN_LIMITS) + ["nonewprivs", "pam"]
    utmp = os.path.join(tmp, "utmp-" + name)
    tries = login_limits(lines)
    skip_users.update(primary_only(lines, nss))
    for user in users(nss):
        counts["users"] += 1
        if user in skip_users:
            note("  SKIP %s/%s: %s" % (name, user, skip_users[user]))
            counts["skipped"] += len(names) + 2
            continue
        write_utmp(utmp, user, 0, 0)
        got = []
        for svc_name in ("limits", "rlimit"):
            rc, lim, _ = session(svc, svc_name, user, base_path, nss_dir=nss,
                                 kernel=(proc1, utmp))
            lim["pam"] = (str(rc), str(rc))
            got.append(lim)
        compare(name + " (A = pam_limits, B = pam_rlimit)", user, got[0], got[1], names,
                set())
        # maxlogins and maxsyslogins: the PAM result with sessions already open.
        for item, mine, others in ([("maxlogins", k, 0) for k in tries] +
                                   [("maxsyslogins", 0, k) for k in tries]):
            write_utmp(utmp, user, mine, others)
            rcs = [session(svc, s, user, base_path, nss_dir=nss, kernel=(proc1, utmp))[0]
                   for s in ("limits", "rlimit")]
            counts["compared"] += 1
            if rcs[0] != rcs[1]:
                failures.append("%s: %s: with %d of the user's sessions and %d others' "
                                "open, pam_limits gives rc %d, pam_rlimit rc %d (%s)"
                                % (name, user, mine, others, rcs[0], rcs[1], item))


def above_hard(ex, item, base):
    """A hard limit the policy sets above the starting one (a raise; soft is clamped)."""
    h = ex["items"][item]["hard"]
    return (item not in ("priority", "nonewprivs") and h["set"]
            and num(rlim_text(item, h)) > num(base[item][1]))


def agree_case(src, tmp, base_path, base):
    """src is a policy file, or a folder with rlimit.yaml and rlimit.d/."""
    name = os.path.basename(src.rstrip("/"))
    dst = os.path.join(tmp, "agree-" + name)
    if os.path.isdir(src):
        shutil.copytree(src, dst)
        policy = ["--conf", os.path.join(dst, "rlimit.yaml"), "--confdir",
                  os.path.join(dst, "rlimit.d")]
    else:
        shutil.copy(src, dst)
        policy = ["--conf", dst]
    for root, dirs, files in os.walk(dst) if os.path.isdir(dst) else [(tmp, [], [])]:
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    os.chmod(dst, 0o755 if os.path.isdir(dst) else 0o644)
    args = " ".join(a.lstrip("-") + "=" + b for a, b in zip(policy[::2], policy[1::2]))
    svc = os.path.join(tmp, "svc-agree-" + name)
    service(svc, "rlimit", "%s %s" % (ENV["CLI_MODULE"], args))
    names = list(base.keys())
    for user in users():
        rc_m, lim_m, _ = session(svc, "rlimit", user, base_path)
        p = run([HELPER, "baseline", base_path, "--", TOOL, "run", user] + policy
                + owner_args() + ["--", HELPER, "print"], wrapped_env(), check=False)
        counts["sessions"] += 1
        _, lim_r = parse_limits(p.stdout)
        if rc_m != 0 or p.returncode != 0:
            failures.append("%s: %s: module rc %s, run exit %d: %s" % (name, user, rc_m,
                                                                      p.returncode, p.stderr))
            continue
        ex = explain(policy, user, owner_args())
        expect, skip = {}, set()
        for item in names:
            if above_hard(ex, item, base):
                skip.add(item)
                note("  SKIP %s/%s/%s: a value above this machine's hard limit"
                      % (name, user, item))
                continue
            s, h = ex["items"][item]["soft"], ex["items"][item]["hard"]
            soft = rlim_text(item, s) if s["set"] else base[item][0]
            hard = rlim_text(item, h) if h["set"] else base[item][1]
            if item == "nonewprivs" and h["set"]:
                # true cannot be undone; false leaves what the process has
                soft = hard = "1" if h["rlim"] else base[item][1]
            if item not in ("priority", "nonewprivs") and num(soft) > num(hard):
                soft = hard
            expect[item] = (soft, hard)
        compare(name + " (A = module, B = run)", user, lim_m, lim_r, names, skip)
        compare(name + " (A = module, B = explain)", user,
                {k: v for k, v in lim_m.items() if k in expect}, expect, names, skip)


# Comments by which a converted policy admits a difference pam_rlimit cannot
# avoid (see rlimit-policy(1)); a random case holding one is skipped.
# ("primary group only" is not one: no fake user has a supplementary gid in
# the random gid ranges.)
DOCUMENTED = ("skips the hard half", "keeps soft as written", "no order of the group rules",
              "cannot exempt", "real-time priority", "rttime")


def random_cases(tmp, seed, count):
    """Writes count random limits.conf files built from lines pam_limits accepts."""
    import random
    rnd = random.Random(seed)
    domains = ["*", "*", "*", "alice", "bob", "carol", "dave", "erin", "frank", "root", "toor",
               "ghost", "@research", "@students", "@audio", "@users", "@root", "@faculty",
               "@:3000", "@:29", "@:0", "@3200:3299", "@0:5", ":123", ":0", "1000:1999",
               "1500:", "0:200", "2000:2999", "%research"]
    items = {"as": (1024, 16777216), "data": (1024, 16777216), "stack": (64, 65536),
             "core": (0, 1048576), "cpu": (1, 1000), "fsize": (1, 10485760),
             "rss": (1, 1048576), "nofile": (64, 4000), "nproc": (50, 5000),
             "locks": (1, 1000), "sigpending": (10, 5000), "msgqueue": (1000, 400000),
             "memlock": (1, 4096)}
    cases = []
    for n in range(count):
        lines = []
        for _ in range(rnd.randint(3, 25)):
            item = rnd.choice(sorted(items))
            lo, hi = items[item]
            # Soft-only values below "-" values below hard-only ones: no rule
            # ends up with soft above hard, a difference the policy notes.
            t = rnd.choices(["soft", "hard", "-"], [15, 15, 70])[0]
            third = (hi - lo) // 3
            base = {"soft": lo, "-": lo + third, "hard": lo + 2 * third}[t]
            v = str(rnd.randint(base, base + third - 1))
            r = rnd.random()
            if r < 0.05:
                v = "unlimited"
            elif r < 0.08:
                v += "x"
            elif r < 0.10:
                v = "+" + v
            lines.append("%s %s %s %s" % (rnd.choice(domains), t, item, v))
        d = os.path.join(tmp, "random-%d-%d" % (seed, n))
        os.makedirs(d)
        with open(os.path.join(d, "limits.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
        cases.append(d)
    return cases


def main():
    global quiet
    if len(sys.argv) < 3 or sys.argv[1] not in ("import", "agree", "random"):
        sys.exit("usage: differential.py import|agree CASE... | random SEED COUNT")
    with tempfile.TemporaryDirectory(prefix="rlimit-cli-") as tmp:
        os.chmod(tmp, 0o755)
        if sys.argv[1] in ("import", "random"):
            base_path = os.path.join(tmp, "baseline")
            write_limits(base_path, LOGIN_LIMITS)
            proc1 = os.path.join(HERE, "proc1-limits")
            cases = sys.argv[2:]
            if sys.argv[1] == "random":
                quiet = True
                cases = random_cases(tmp, int(sys.argv[2]), int(sys.argv[3]))
            for case in cases:
                import_case(case, tmp, base_path, proc1,
                            skip_documented=sys.argv[1] == "random")
        else:
            base_path = os.path.join(tmp, "baseline")
            _, base = parse_limits(run([HELPER, "print"], ENV).stdout)
            write_limits(base_path, base)
            for policy in sys.argv[2:]:
                agree_case(policy, tmp, base_path, base)
    if counts["compared"] == 0:
        failures.append("no limit was compared")
    for f in failures:
        print("FAIL " + f)
    ncases = int(sys.argv[3]) if sys.argv[1] == "random" else len(sys.argv) - 2
    print("%s: %d cases (%d skipped), %d users, %d sessions through libpam, %d (case, user, "
          "item) compared (soft and hard, or the PAM result), %d skipped, %d differences"
          % (sys.argv[1], ncases, counts.get("skipped_cases", 0), counts["users"],
             counts["sessions"], counts["compared"], counts["skipped"], len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
