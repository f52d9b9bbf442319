#!/usr/bin/env python3
"""import-limits-conf on token soup: whatever the input, it exits 0 and what it
writes passes "rlimit-policy check" (checked here, apart from the tool's own
check of its output).

  import_soup.py SEED COUNT      (CLI_TOOL names the tool)
"""
import os
import random
import subprocess
import sys
import tempfile

TOKENS = ["*", "@", "%", ":", "@:", "alice", "@research", "@0:", "0:", ":0", "1:2:3", "-",
          "soft", "hard", "HARD", "nofile", "as", "cpu", "nice", "rtprio", "rttime",
          "maxlogins", "priority", "chroot", "unlimited", "INFINITY", "-1", "10x", "+5", "0x10",
          "18446744073709551616", "-20", "99999", "#", "\t", " ", "yes", "no", "null", "~",
          "\"q\"", "'", "\u00e9", "a/b", "{", "}", "[", "&a", "*a", "!tag", "4294967295:",
          "4294967296:", "@4294967294:4294967295", ":4294967295", "\r",
          "a\u0085b", "\u2028", "c\u2029d", "e\u0089f", "\u009f", "g\ufffeh", "\uffff"]


def main():
    rnd = random.Random(int(sys.argv[1]))
    count = int(sys.argv[2])
    failures = 0
    tool = os.environ["CLI_TOOL"]
    owner = [] if os.getuid() == 0 else ["--owner", str(os.getuid())]
    scratch = tempfile.mkdtemp(prefix="rlimit-soup.")
    os.chmod(scratch, 0o755)
    policy = os.path.join(scratch, "policy.yaml")
    for _ in range(count):
        lines = [" ".join(rnd.choice(TOKENS) for _ in range(rnd.randint(1, 6)))
                 for _ in range(rnd.randint(1, 12))]
        data = ("\n".join(lines) + "\n").encode()
        if rnd.random() < 0.2:
            data += bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 200)))
        p = subprocess.run([tool, "import-limits-conf", "-"], input=data,
                           capture_output=True, timeout=30)
        if p.returncode != 0 or p.stderr:
            failures += 1
            print("FAIL input %r\n  exit %d: %s" % (data, p.returncode,
                                                   p.stderr.decode(errors="replace")))
            continue
        with open(policy, "wb") as f:
            f.write(p.stdout)
        os.chmod(policy, 0o644)
        c = subprocess.run([tool, "check", "--quiet", "--conf", policy] + owner,
                           capture_output=True, timeout=30)
        if c.returncode != 0 or c.stdout or c.stderr:
            failures += 1
            print("FAIL input %r\n  its policy does not pass check (exit %d): %s"
                  % (data, c.returncode, c.stderr.decode(errors="replace")))
    if os.path.exists(policy):
        os.unlink(policy)
    os.rmdir(scratch)
    print("import soup: %d inputs, %d failures" % (count, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
