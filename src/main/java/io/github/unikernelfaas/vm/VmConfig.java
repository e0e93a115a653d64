package io.github.unikernelfaas.vm;

import java.util.Objects;

/**
 * Everything needed to boot one function VM: the machine, the guest that runs on it, and the least memory
 * that guest's kernel boots with (for messages when it runs out).
 */
public record VmConfig(Machine machine, Guest guest, MemoryFloor memoryFloor) {
    public VmConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(guest, "guest");
        memoryFloor = memoryFloor == null ? MemoryFloor.UNKNOWN : memoryFloor;
    }

    /** A guest whose memory floor is not known. */
    public VmConfig(Machine machine, Guest guest) {
        this(machine, guest, MemoryFloor.UNKNOWN);
    }

    public VmConfig withAccelerator(Accelerator a) {
        return new VmConfig(machine.withAccelerator(a), guest, memoryFloor);
    }
}
