package io.github.unikernelfaas.invoke;

import java.io.IOException;

/** The VM stopped (or can serve no more) while a request was on its way: the message says why, with the console's tail. */
public class VmStoppedException extends IOException {
    public VmStoppedException(String why) {
        super(why);
    }

    public VmStoppedException(String why, IOException failure) {
        super(why, failure);
    }
}
