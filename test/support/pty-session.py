# Runs a bash script on a new pseudo-terminal as its controlling terminal, the way an operator's
# login shell has one, and prints everything written to it; exits with the script's exit code.
# Nothing is typed on it: whatever the script reads from the terminal was put there by someone else.
import os
import pty
import sys

pid, fd = pty.fork()
if pid == 0:
    os.execv('/bin/bash', ['bash', '-c', sys.argv[1]])
out = b''
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # EIO: the last process holding the terminal has gone
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace').replace('\r\n', '\n'))
sys.exit(os.waitstatus_to_exitcode(status))
