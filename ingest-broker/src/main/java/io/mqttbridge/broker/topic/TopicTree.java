package io.mqttbridge.broker.topic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Subscriptions indexed by topic filter level, for matching a topic name against all of them in
 * time proportional to the topic's depth and the number of matches, not to the number of
 * subscriptions.
 *
 * <p>Threading: {@link #match} is lock-free and may run concurrently with {@link #add} and
 * {@link #remove} from any thread; it sees every subscription whose add completed before the match
 * started. Subscribers of a level are kept in copy-on-write arrays guarded by the level's monitor,
 * so only writers of the same level contend. Levels are created on demand and pruned when their last
 * subscription goes: a level is marked removed under its monitor only when it is empty, and a writer
 * that meets a removed level starts again from the root, so no subscription is ever added to an
 * unlinked level.
 *
 * @param <S> the subscription type; an owner may hold one subscription per (filter, share group)
 */
public final class TopicTree<S> {

    /** Receives the matches of one topic name. */
    public interface Visitor<S> {
        /** A non-shared subscription matches. */
        void subscription(S subscription);

        /** A shared subscription group matches; the caller picks one member. */
        void sharedGroup(SharedGroup<S> group);
    }

    private static final Object[] NO_ENTRIES = new Object[0];

    private final Node<S> root = new Node<>();
    private final AtomicInteger size = new AtomicInteger();

    /**
     * Adds or replaces {@code owner}'s subscription to {@code filter} (a valid filter without any
     * share prefix) in share group {@code shareGroup} ({@code null} for a non-shared subscription).
     *
     * @return whether an existing subscription of the owner was replaced
     */
    public boolean add(String filter, String shareGroup, Object owner, S subscription) {
        String[] levels = Levels.split(filter);
        while (true) {
            Node<S> node = root;
            for (String level : levels) {
                node = node.childForWrite(level);
                if (node == null) {
                    break;
                }
            }
            if (node == null) {
                continue;
            }
            Boolean replaced = shareGroup == null
                    ? node.putEntry(owner, subscription)
                    : node.putMember(shareGroup, owner, subscription);
            if (replaced == null) {
                continue;
            }
            if (!replaced) {
                size.incrementAndGet();
            }
            return replaced;
        }
    }

    /** @return the removed subscription, or {@code null} if the owner had none for that filter and group */
    public S remove(String filter, String shareGroup, Object owner) {
        String[] levels = Levels.split(filter);
        List<Node<S>> path = new ArrayList<>(levels.length + 1);
        Node<S> node = root;
        path.add(node);
        for (String level : levels) {
            node = node.child(level);
            if (node == null) {
                return null;
            }
            path.add(node);
        }
        S removed = shareGroup == null ? node.removeEntry(owner) : node.removeMember(shareGroup, owner);
        if (removed != null) {
            size.decrementAndGet();
            prune(path, levels);
        }
        return removed;
    }

    private void prune(List<Node<S>> path, String[] levels) {
        for (int i = levels.length; i >= 1; i--) {
            Node<S> node = path.get(i);
            if (!node.markRemovedIfEmpty()) {
                return;
            }
            path.get(i - 1).unlink(levels[i - 1], node);
        }
    }

    /** Whether no level is left below the root (for tests of pruning). */
    boolean hasNoLevels() {
        ConcurrentHashMap<String, Node<S>> children = root.children;
        return children == null || children.isEmpty();
    }

    /** Visits every subscription matching {@code topicName} (a valid topic name). */
    public void match(String topicName, Visitor<S> visitor) {
        String[] levels = Levels.split(topicName);
        boolean dollar = topicName.charAt(0) == '$';
        match(root, levels, 0, dollar, visitor);
    }

    private void match(Node<S> node, String[] levels, int index, boolean dollar, Visitor<S> visitor) {
        if (index == levels.length) {
            node.visit(visitor);
            Node<S> multi = node.child(Levels.MULTI);
            if (multi != null) {
                multi.visit(visitor);
            }
            return;
        }
        boolean wildcardsAllowed = !(dollar && index == 0);
        Node<S> exact = node.child(levels[index]);
        if (exact != null) {
            match(exact, levels, index + 1, dollar, visitor);
        }
        if (wildcardsAllowed) {
            Node<S> single = node.child(Levels.SINGLE);
            if (single != null) {
                match(single, levels, index + 1, dollar, visitor);
            }
            Node<S> multi = node.child(Levels.MULTI);
            if (multi != null) {
                multi.visit(visitor);
            }
        }
    }

    /** The number of subscriptions (shared ones counted per member). */
    public int size() {
        return size.get();
    }

    private record Entry<S>(Object owner, S subscription) {
    }

    /** The members of one share group on one filter; delivery goes to one of them. */
    public static final class SharedGroup<S> {
        private final String name;
        private volatile Object[] members = NO_ENTRIES;
        private final AtomicInteger next = new AtomicInteger();

        SharedGroup(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        boolean isEmpty() {
            return members.length == 0;
        }

        /** A member, without moving the round-robin turn; {@code null} if the group is empty. */
        @SuppressWarnings("unchecked")
        public S anyMember() {
            Object[] current = members;
            return current.length == 0 ? null : ((Entry<S>) current[0]).subscription();
        }

        /**
         * Picks the next member in round-robin order, preferring members that satisfy
         * {@code preferred} (for example: connected); {@code null} if the group is empty.
         */
        @SuppressWarnings("unchecked")
        public S pick(Predicate<S> preferred) {
            Object[] current = members;
            if (current.length == 0) {
                return null;
            }
            int start = Math.floorMod(next.getAndIncrement(), current.length);
            for (int i = 0; i < current.length; i++) {
                S candidate = ((Entry<S>) current[(start + i) % current.length]).subscription();
                if (preferred.test(candidate)) {
                    return candidate;
                }
            }
            return ((Entry<S>) current[start]).subscription();
        }

        boolean putMember(Object owner, S subscription) {
            Object[] updated = Node.put(members, owner, subscription);
            boolean replaced = updated.length == members.length;
            members = updated;
            return replaced;
        }

        S removeMember(Object owner) {
            Object[] current = members;
            int index = Node.indexOf(current, owner);
            if (index < 0) {
                return null;
            }
            @SuppressWarnings("unchecked")
            S removed = ((Entry<S>) current[index]).subscription();
            members = Node.without(current, index);
            return removed;
        }
    }

    /**
     * One level. Readers use the volatile fields without locking; every mutation holds the node's
     * monitor and fails (returns {@code null}) once the node has been removed.
     */
    private static final class Node<S> {
        private volatile ConcurrentHashMap<String, Node<S>> children;
        private volatile Object[] entries = NO_ENTRIES;
        private volatile Object[] groups = NO_ENTRIES;
        private boolean removed;

        Node<S> child(String level) {
            ConcurrentHashMap<String, Node<S>> map = children;
            return map == null ? null : map.get(level);
        }

        synchronized Node<S> childForWrite(String level) {
            if (removed) {
                return null;
            }
            ConcurrentHashMap<String, Node<S>> map = children;
            if (map == null) {
                map = new ConcurrentHashMap<>(4);
                children = map;
            }
            return map.computeIfAbsent(level, l -> new Node<>());
        }

        void unlink(String level, Node<S> child) {
            ConcurrentHashMap<String, Node<S>> map = children;
            if (map != null) {
                map.remove(level, child);
            }
        }

        synchronized boolean markRemovedIfEmpty() {
            ConcurrentHashMap<String, Node<S>> map = children;
            if (entries.length == 0 && groups.length == 0 && (map == null || map.isEmpty())) {
                removed = true;
            }
            return removed;
        }

        @SuppressWarnings("unchecked")
        void visit(Visitor<S> visitor) {
            for (Object entry : entries) {
                visitor.subscription(((Entry<S>) entry).subscription());
            }
            for (Object group : groups) {
                visitor.sharedGroup((SharedGroup<S>) group);
            }
        }

        synchronized Boolean putEntry(Object owner, S subscription) {
            if (removed) {
                return null;
            }
            Object[] updated = put(entries, owner, subscription);
            boolean replaced = updated.length == entries.length;
            entries = updated;
            return replaced;
        }

        @SuppressWarnings("unchecked")
        synchronized S removeEntry(Object owner) {
            Object[] current = entries;
            int index = indexOf(current, owner);
            if (index < 0) {
                return null;
            }
            S removedSubscription = ((Entry<S>) current[index]).subscription();
            entries = without(current, index);
            return removedSubscription;
        }

        @SuppressWarnings("unchecked")
        SharedGroup<S> group(String name) {
            for (Object group : groups) {
                if (((SharedGroup<S>) group).name.equals(name)) {
                    return (SharedGroup<S>) group;
                }
            }
            return null;
        }

        synchronized Boolean putMember(String groupName, Object owner, S subscription) {
            if (removed) {
                return null;
            }
            SharedGroup<S> group = group(groupName);
            if (group == null) {
                group = new SharedGroup<>(groupName);
                Object[] updated = Arrays.copyOf(groups, groups.length + 1);
                updated[groups.length] = group;
                groups = updated;
            }
            return group.putMember(owner, subscription);
        }

        synchronized S removeMember(String groupName, Object owner) {
            SharedGroup<S> group = group(groupName);
            if (group == null) {
                return null;
            }
            S removedSubscription = group.removeMember(owner);
            if (group.isEmpty()) {
                Object[] current = groups;
                for (int i = 0; i < current.length; i++) {
                    if (current[i] == group) {
                        groups = without(current, i);
                        break;
                    }
                }
            }
            return removedSubscription;
        }

        static <S> Object[] put(Object[] current, Object owner, S subscription) {
            int index = indexOf(current, owner);
            Object[] updated;
            if (index >= 0) {
                updated = current.clone();
            } else {
                updated = Arrays.copyOf(current, current.length + 1);
                index = current.length;
            }
            updated[index] = new Entry<>(owner, subscription);
            return updated;
        }

        static int indexOf(Object[] entries, Object owner) {
            for (int i = 0; i < entries.length; i++) {
                if (((Entry<?>) entries[i]).owner() == owner) {
                    return i;
                }
            }
            return -1;
        }

        static Object[] without(Object[] current, int index) {
            if (current.length == 1) {
                return NO_ENTRIES;
            }
            Object[] updated = new Object[current.length - 1];
            System.arraycopy(current, 0, updated, 0, index);
            System.arraycopy(current, index + 1, updated, index, current.length - index - 1);
            return updated;
        }
    }

    /** Splits topic names and filters into levels without regular expressions. */
    static final class Levels {
        static final String SINGLE = "+";
        static final String MULTI = "#";

        private Levels() {
        }

        static String[] split(String topic) {
            int count = 1;
            for (int i = 0; i < topic.length(); i++) {
                if (topic.charAt(i) == '/') {
                    count++;
                }
            }
            if (count == 1) {
                return new String[] {topic};
            }
            String[] levels = new String[count];
            int start = 0;
            int level = 0;
            for (int i = 0; i < topic.length(); i++) {
                if (topic.charAt(i) == '/') {
                    levels[level++] = topic.substring(start, i);
                    start = i + 1;
                }
            }
            levels[level] = topic.substring(start);
            return levels;
        }
    }
}
