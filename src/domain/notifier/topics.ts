// What the notifier publishes on the bus, after the change is stored.
import type { AlertRecord, AlertStatus, Notice } from './alert-machine.js'

declare module '../shared/bus.js' {
  interface BusTopics {
    /** an alert's change is stored; `notice` is what it queued to send */
    'alert.changed': { alert: AlertRecord, status: AlertStatus, notice: Notice | null }
  }
}
