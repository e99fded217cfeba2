# tty_shell.py — an interactive bash with job control on a new
# pseudo-terminal runs `$R --subreaper ... -- TARGET` as a foreground job; ^Z
# must stop the job (modal-run with its target: bash says "Stopped" and
# prompts again), `fg` must resume both with the terminal given back to the
# target, which then reads a line typed at the terminal and exits. Exit 0 when
# every step happened; each wait is for text on the terminal, bounded by 30 s.
import os
import pty
import select
import sys
import time

env = dict(os.environ, PS1="PROMPT> ", TARGET=(
    'import sys; print("target-ready", flush=True); line = sys.stdin.readline(); '
    'print("target-read", line.strip(), flush=True)'))
pid, master = pty.fork()
if pid == 0:
    os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
output = b""


def expect(text, after=0):
    """Waits for text to appear past offset after; returns where it ends."""
    global output
    deadline = time.monotonic() + 30
    while True:
        at = output.find(text.encode(), after)
        if at >= 0:
            return at + len(text)
        if time.monotonic() > deadline:
            sys.stderr.write("tty_shell: no %r; terminal: %r\n" % (text, output[-400:]))
            os.kill(pid, 9)
            sys.exit(1)
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                output += os.read(master, 4096)
            except OSError:
                pass


def type_(text):
    os.write(master, text.encode())


at = expect("PROMPT> ")
type_('"$R" --subreaper -s s1 -- "$PY" -c "$TARGET"\n')
at = expect("target-ready", at)
type_("\x1a")
at = expect("Stopped", at)
at = expect("PROMPT> ", at)
type_("fg\n")
at = expect("fg", at)
type_("hello\n")
at = expect("target-read hello", at)
at = expect("PROMPT> ", at)
type_('echo "status: $?"\n')
at = expect("status: 0", at)
type_("exit\n")
os.waitpid(pid, 0)
print("ok: stopped with ^Z, resumed with fg, the target read the terminal")
