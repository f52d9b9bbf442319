#!/usr/bin/python3
"""A stand-in for systemd's manager on a private dbus-daemon: it owns
org.freedesktop.systemd1 and answers SetUnitProperties, writing each call
as dbus-python decodes it, one line, to the file named by argv[1].  The
units of uid 1006 are refused, as systemd refuses a property it rejects.
It prints "ready" once the name is owned."""
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

LOG = sys.argv[1]


class Manager(dbus.service.Object):
    @dbus.service.method("org.freedesktop.systemd1.Manager", in_signature="sba(sv)",
                         out_signature="")
    def SetUnitProperties(self, unit, runtime, props):
        parts = ["SetUnitProperties", str(unit), "runtime=%s" % bool(runtime)]
        for name, value in props:
            if not isinstance(value, dbus.UInt64):
                parts.append("%s:not-uint64(%s)" % (name, type(value).__name__))
            else:
                parts.append("%s=%d" % (name, int(value)))
        with open(LOG, "a") as f:
            f.write(" ".join(parts) + "\n")
        if unit == "user-1006.slice":
            raise dbus.exceptions.DBusException(
                "TasksMax= refused by the test",
                name="org.freedesktop.DBus.Error.InvalidArgs")


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(sys.argv[2])
    name = dbus.service.BusName("org.freedesktop.systemd1", bus)
    Manager(bus, "/org/freedesktop/systemd1")
    print("ready", flush=True)
    GLib.MainLoop().run()
    del name


main()
