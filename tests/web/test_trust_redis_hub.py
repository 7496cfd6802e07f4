"""The live hub over Redis pub/sub: an event published in one process reaches the other's."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from tests.factories import World
from tests.jobs.test_jobs_redis import redis_url  # noqa: F401 - the real redis-server fixture

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.web.live_pg import RedisHub
from calmdesk.web.realtime import Event
from calmdesk.web.turn_feed import turn_events


def test_messages_and_typing_cross_between_two_redis_hubs(world: World, redis_url: str) -> None:  # noqa: F811
    conv = world.open(world.calm_customer)
    posted = add_customer_turn(world.ctx, Actor.for_customer(conv.customer_id), conv.id, "Hello?")
    one, two = RedisHub(redis_url, world.ctx.sessions), RedisHub(redis_url, world.ctx.sessions)
    try:
        assert one.wait_ready() and two.wait_ready()

        async def scenario() -> list[Event]:
            sub = two.subscribe(str(conv.id))
            await asyncio.sleep(0.3)
            with world.ctx.sessions() as session:
                (message,) = turn_events(session, [posted.turn.id])
            one.publish(message)
            one.publish(Event("typing", str(conv.id), {"role": "agent", "at": "now"}))
            got = [await asyncio.wait_for(sub.next(), 10), await asyncio.wait_for(sub.next(), 10)]
            two.unsubscribe(sub)
            return [g for g in got if g is not None]

        with ThreadPoolExecutor(1) as pool:  # a loop of its own: Playwright may hold this thread's
            received = pool.submit(asyncio.run, scenario()).result(timeout=60)
    finally:
        one.close()
        two.close()
    assert [e.kind for e in received] == ["message", "typing"]
    assert received[0].data["text"] == "Hello?" and received[0].message_id == posted.turn.id
