"""Customer-turn signals: registered scorers (`scorers`), the customer heads (`heads`).

`customer_signals(ctx)` and `UPSET_AT` are the public names; importing this package registers
the scorers.
"""

from calmdesk.analysis.customer.scorers import UPSET_AT, customer_signals

__all__ = ["UPSET_AT", "customer_signals"]
