package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.auth.internal.PasswordHashes;
import io.mqttbridge.broker.spi.AclRule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Configuration of the file-based {@link FileAuthenticator} and {@link FileAuthorizer}: users with
 * password hashes, whether anonymous clients may connect, and ACL rules.
 *
 * <p>Rule order for a user: the user's own {@code acl}, then {@code defaultAcl}; for anonymous
 * clients: {@code anonymousAcl}. The first rule that decides wins (see
 * {@link io.mqttbridge.broker.spi.AclRuleSet}); when none decides, the answer is no.
 *
 * <p>A plain Jackson-friendly bean: fields with named defaults, no-argument constructor, setters.
 * Call {@link #validate()} before use. In YAML:
 *
 * <pre>{@code
 * allowAnonymous: false
 * users:
 *   - username: sensor-gateway
 *     passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$...$..."   # from PasswordHashTool
 *     acl:
 *       - {permission: allow, action: publish, topic: "gateways/%u/#"}
 * defaultAcl:
 *   - {permission: deny, action: all, topic: "devices/%c/secrets/#"}
 *   - {action: all, topic: "devices/%c/#"}
 * anonymousAcl:
 *   - {action: subscribe, topic: "public/#"}
 * }</pre>
 */
public class FileAuthConfig {

    public static final boolean DEFAULT_ALLOW_ANONYMOUS = false;
    public static final int DEFAULT_VERIFICATION_THREADS = 2;
    public static final int DEFAULT_VERIFICATION_QUEUE_CAPACITY = 1_000;
    public static final long DEFAULT_CACHE_TTL_SECONDS = 60;
    public static final int DEFAULT_CACHE_MAX_ENTRIES = 10_000;

    private boolean allowAnonymous = DEFAULT_ALLOW_ANONYMOUS;
    private List<FileAuthUser> users = new ArrayList<>();
    private List<FileAclRule> defaultAcl = new ArrayList<>();
    private List<FileAclRule> anonymousAcl = new ArrayList<>();
    private int verificationThreads = DEFAULT_VERIFICATION_THREADS;
    private int verificationQueueCapacity = DEFAULT_VERIFICATION_QUEUE_CAPACITY;
    private long cacheTtlSeconds = DEFAULT_CACHE_TTL_SECONDS;
    private int cacheMaxEntries = DEFAULT_CACHE_MAX_ENTRIES;

    /**
     * Checks every value.
     *
     * @throws IllegalArgumentException whose message starts with the offending key, e.g.
     *     {@code users[1].passwordHash}
     */
    public void validate() {
        require(users != null, "users", "must be a list (may be empty)");
        require(defaultAcl != null, "defaultAcl", "must be a list (may be empty)");
        require(anonymousAcl != null, "anonymousAcl", "must be a list (may be empty)");
        require(verificationThreads >= 1, "verificationThreads", "must be at least 1: " + verificationThreads);
        require(verificationQueueCapacity >= 1, "verificationQueueCapacity",
                "must be at least 1: " + verificationQueueCapacity);
        require(cacheTtlSeconds >= 0, "cacheTtlSeconds", "must not be negative: " + cacheTtlSeconds);
        require(cacheMaxEntries >= 1, "cacheMaxEntries", "must be at least 1: " + cacheMaxEntries);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < users.size(); i++) {
            String key = "users[" + i + "]";
            FileAuthUser user = users.get(i);
            require(user != null, key, "must not be empty");
            String name = user.getUsername();
            require(name != null && !name.isEmpty(), key + ".username", "required");
            require(seen.add(name), key + ".username", "user '" + name + "' is listed more than once");
            try {
                PasswordHashes.functionFor(user.getPasswordHash());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ".passwordHash: user '" + name + "': " + e.getMessage()
                        + " (plain-text passwords are not accepted; make a hash with "
                        + PasswordHashTool.class.getName() + ")", e);
            }
            require(user.getAcl() != null, key + ".acl", "must be a list (may be empty)");
            toRules(user.getAcl(), key + ".acl");
        }
        toRules(defaultAcl, "defaultAcl");
        toRules(anonymousAcl, "anonymousAcl");
    }

    static List<AclRule> toRules(List<FileAclRule> entries, String key) {
        List<AclRule> rules = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            String ruleKey = key + "[" + i + "]";
            FileAclRule entry = entries.get(i);
            require(entry != null, ruleKey, "must not be empty");
            rules.add(entry.toAclRule(ruleKey));
        }
        return rules;
    }

    private static void require(boolean condition, String key, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(key + ": " + problem);
        }
    }

    public boolean isAllowAnonymous() {
        return allowAnonymous;
    }

    public void setAllowAnonymous(boolean allowAnonymous) {
        this.allowAnonymous = allowAnonymous;
    }

    public List<FileAuthUser> getUsers() {
        return users;
    }

    public void setUsers(List<FileAuthUser> users) {
        this.users = users;
    }

    /** Rules for every authenticated user, checked after the user's own rules. */
    public List<FileAclRule> getDefaultAcl() {
        return defaultAcl;
    }

    public void setDefaultAcl(List<FileAclRule> defaultAcl) {
        this.defaultAcl = defaultAcl;
    }

    /** Rules for anonymous clients (only used when {@link #isAllowAnonymous()}). */
    public List<FileAclRule> getAnonymousAcl() {
        return anonymousAcl;
    }

    public void setAnonymousAcl(List<FileAclRule> anonymousAcl) {
        this.anonymousAcl = anonymousAcl;
    }

    /** Threads that run password hashes (they are CPU-bound; keep this at most the core count). */
    public int getVerificationThreads() {
        return verificationThreads;
    }

    public void setVerificationThreads(int verificationThreads) {
        this.verificationThreads = verificationThreads;
    }

    /** Verifications that may wait for a thread; beyond that connects are refused as server unavailable. */
    public int getVerificationQueueCapacity() {
        return verificationQueueCapacity;
    }

    public void setVerificationQueueCapacity(int verificationQueueCapacity) {
        this.verificationQueueCapacity = verificationQueueCapacity;
    }

    /** How long a successful verification of the same user name and password is remembered; 0 turns it off. */
    public long getCacheTtlSeconds() {
        return cacheTtlSeconds;
    }

    public void setCacheTtlSeconds(long cacheTtlSeconds) {
        this.cacheTtlSeconds = cacheTtlSeconds;
    }

    public int getCacheMaxEntries() {
        return cacheMaxEntries;
    }

    public void setCacheMaxEntries(int cacheMaxEntries) {
        this.cacheMaxEntries = cacheMaxEntries;
    }
}
