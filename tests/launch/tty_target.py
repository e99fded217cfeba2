# tty_target.py LOG — a target that writes one line per signal it gets to
# LOG: its name and who sent it ("terminal" for the kernel's tty layer, else
# "pid N"). After the first of each kind it signals its parent (modal-run)
# with SIGUSR1, which modal-run forwards back: a barrier. Pending signals are
# taken lowest number first, so when the USR1 comes back every INT/QUIT/TSTP
# forwarded before it has been logged. Exits 5 after three barriers.
import os
import signal
import sys

log = open(sys.argv[1], "a", buffering=1)
kinds = {signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP, signal.SIGUSR1}
signal.pthread_sigmask(signal.SIG_BLOCK, kinds)
fg = os.tcgetpgrp(0) == os.getpgrp()
log.write("foreground %s own-group %s\n" % (fg, os.getpgrp() == os.getpid()))
log.write("ready\n")
seen = set()
barriers = 0
while barriers < 3:
    info = signal.sigwaitinfo(kinds)
    sender = "terminal" if info.si_code == 0x80 else "pid %d" % info.si_pid  # SI_KERNEL
    log.write("%s %s\n" % (signal.Signals(info.si_signo).name, sender))
    if info.si_signo == signal.SIGUSR1:
        barriers += 1
    elif info.si_signo not in seen:
        seen.add(info.si_signo)
        os.kill(os.getppid(), signal.SIGUSR1)
sys.exit(5)
