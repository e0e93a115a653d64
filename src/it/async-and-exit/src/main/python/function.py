import asyncio
import os


async def double(n):
    await asyncio.sleep(0.01)
    return 2 * n


async def handler(event):
    if event.get("exit") is not None:
        print("async-and-exit: calling os._exit", flush=True)
        os._exit(event["exit"])
    doubled = await asyncio.gather(*(double(n) for n in event["numbers"]))
    # The handler's thread has its loop: what asyncio.get_event_loop() gives is the loop running this coroutine.
    return {"doubled": doubled, "same_loop": asyncio.get_event_loop() is asyncio.get_event_loop()}
