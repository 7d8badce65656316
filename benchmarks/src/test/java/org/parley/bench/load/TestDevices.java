package org.parley.bench.load;

import java.util.ArrayList;
import java.util.List;

/** Simulated devices without sockets: user u is "u<u>", device i is "d<i>" with token "t<i>". */
final class TestDevices {
    private TestDevices() {
    }

    static List<BenchDevice> of(int users, int perUser) {
        List<BenchDevice> out = new ArrayList<>();
        for (int i = 0; i < users * perUser; i++) {
            out.add(new BenchDevice(i, i / perUser, new BenchDevice.Credentials("u" + (i / perUser), "d" + i, "t" + i)));
        }
        return out;
    }
}
