package io.mqttbridge.api.launcher;

/** The program {@link LauncherClassDataSharingTest} starts through the launcher: prints its arguments. */
public final class LauncherMain {

    private LauncherMain() {
    }

    public static void main(String[] args) {
        System.out.println("launched " + String.join(" ", args));
    }
}
