"""Sends one probe task (`stamp`) every 20 ms to the broker until the stop file appears.

Usage: producer.py BROKER_URL TASK_NAME STOP_FILE. Talks to the broker only: never imports the app."""
import os
import sys
import time

from celery import Celery

broker, task, stop = sys.argv[1:4]
app = Celery(broker=broker)
n = 0
while not os.path.exists(stop):
    n += 1
    app.send_task(task, args=[n])
    time.sleep(0.02)
print(n)
