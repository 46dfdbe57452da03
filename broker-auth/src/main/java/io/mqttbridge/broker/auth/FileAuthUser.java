package io.mqttbridge.broker.auth;

import java.util.ArrayList;
import java.util.List;

/** One user of the configuration file: a user name, a password hash (never the password) and ACL rules. */
public class FileAuthUser {

    private String username;
    private String passwordHash;
    private List<FileAclRule> acl = new ArrayList<>();

    public FileAuthUser() {
    }

    public FileAuthUser(String username, String passwordHash, List<FileAclRule> acl) {
        this.username = username;
        this.passwordHash = passwordHash;
        this.acl = acl == null ? new ArrayList<>() : new ArrayList<>(acl);
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    /** An argon2id, bcrypt or scrypt hash, as printed by {@link PasswordHashTool}. */
    public String getPasswordHash() {
        return passwordHash;
    }

    public void setPasswordHash(String passwordHash) {
        this.passwordHash = passwordHash;
    }

    /** Rules for this user, checked before the configuration's default rules. */
    public List<FileAclRule> getAcl() {
        return acl;
    }

    public void setAcl(List<FileAclRule> acl) {
        this.acl = acl;
    }
}
