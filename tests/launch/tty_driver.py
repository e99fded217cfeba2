# tty_driver.py LOG CMD... — runs CMD on a new pseudo-terminal (its session
# leader, the terminal its controlling one, as `docker run -it` gives PID 1)
# and types ^C, ^Z and ^\ at it, each once LOG shows the target ready for it
# (tty_target.py). Prints CMD's exit status. Every wait is for a line in LOG
# or for the terminal's end, bounded by 30 s so a lost signal fails, not hangs.
import os
import pty
import select
import sys
import time

log, cmd = sys.argv[1], sys.argv[2:]
pid, master = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
output = b""


def pump(timeout):
    """Reads what the terminal printed; False at its end."""
    global output
    r, _, _ = select.select([master], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(master, 4096)
    except OSError:
        return False
    output += data
    return bool(data)


def lines():
    try:
        with open(log) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def wait_for(word, count):
    deadline = time.monotonic() + 30
    while lines().count(word) < count:
        if time.monotonic() > deadline or not pump(0.05):
            sys.stderr.write("tty_driver: no %d x %s in %s; terminal: %r\n"
                             % (count, word, lines(), output[-300:]))
            return False
        pump(0)
    return True


ok = wait_for("ready", 1)
for n, key in enumerate((b"\x03", b"\x1a", b"\x1c"), 1):
    if not ok:
        break
    os.write(master, key)
    ok = wait_for("SIGUSR1", n)
deadline = time.monotonic() + 30
while pump(0.1) and time.monotonic() < deadline:
    pass
if time.monotonic() >= deadline:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.write(output.decode(errors="replace"))
print("\nexit", os.waitstatus_to_exitcode(status))
