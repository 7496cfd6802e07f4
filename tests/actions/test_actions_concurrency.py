from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from tests.factories import World

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.storage import Turn

CLIENTS = 20


def test_concurrent_posts_store_each_idempotency_key_exactly_once(world: World) -> None:
    conv = world.open(world.calm_customer)
    actor = Actor.for_customer(world.calm_customer.id)
    keys = [f"client-{n % CLIENTS}" for n in range(CLIENTS * 2)]  # every client posts twice

    def post(key: str) -> tuple[str, int, bool]:
        posted = add_customer_turn(
            world.ctx, actor, conv.id, f"message from {key}", idempotency_key=key
        )
        return key, posted.turn.id, posted.created

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, keys))
    ids = {key: {tid for k, tid, _ in results if k == key} for key in set(keys)}
    assert all(len(found) == 1 for found in ids.values())  # both posts saw the same turn
    assert sum(created for *_, created in results) == CLIENTS
    with world.ctx.sessions() as session:
        stored = session.scalars(select(Turn.seq).where(Turn.conversation_id == conv.id)).all()
        assert session.scalar(select(func.count()).select_from(Turn)) == CLIENTS
    assert sorted(stored) == list(range(1, CLIENTS + 1))
