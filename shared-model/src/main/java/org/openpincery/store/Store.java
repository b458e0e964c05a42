package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.notify.Notifier;

/**
 * The repositories of one process over one pool, sharing one {@link Notifier}. All SQL of the
 * product lives in this package.
 */
public final class Store implements AutoCloseable {

  private final Pool pool;
  private final Pool notifyPool;
  private final Notifier notifier;
  private final EventRepository events;
  private final LifecycleRepository lifecycle;
  private final AgentRepository agents;
  private final HealthRepository health;
  private final AuthRepository auth;
  private final ModelCallRepository modelCalls;
  private final TimerRepository timers;
  private final WakeRepository wakes;
  private final WebhookRepository webhooks;
  private final ScheduleRepository schedules;
  private final CredentialRepository credentials;
  private final IdempotencyRepository idempotency;
  private final HistoryRepository history;
  private final TeamRepository team;
  private final AuditRepository audit;
  private final SsoRepository sso;
  private final ApprovalRepository approvals;
  private final McpRepository mcp;
  private final NotificationDeliveryRepository notificationDeliveries;
  private final ChainCheckRepository chainChecks;
  private final MemoryRepository memory;
  private final MemoryRepository.VectorSupport vectors = new MemoryRepository.VectorSupport();

  /**
   * @param pool the connections data statements run on
   * @param notifyPool one connection of its own for NOTIFY, so that a notification never waits for
   *     (or holds up) a data statement's connection
   */
  public Store(Pool pool, Pool notifyPool) {
    this.pool = pool;
    this.notifyPool = notifyPool;
    this.notifier = new Notifier(notifyPool);
    this.events = new EventRepository(pool, notifier);
    this.lifecycle = new LifecycleRepository(pool, notifier);
    this.agents = new AgentRepository(pool, notifier);
    this.health = new HealthRepository(pool);
    this.auth = new AuthRepository(pool, notifier);
    this.modelCalls = new ModelCallRepository(pool);
    this.timers = new TimerRepository(pool, notifier);
    this.wakes = new WakeRepository(pool, notifier);
    this.webhooks = new WebhookRepository(pool, notifier);
    this.schedules = new ScheduleRepository(pool, notifier);
    this.credentials = new CredentialRepository(pool);
    this.idempotency = new IdempotencyRepository(pool);
    this.history = new HistoryRepository(pool);
    this.team = new TeamRepository(pool, notifier);
    this.audit = new AuditRepository(pool);
    this.sso = new SsoRepository(pool, notifier);
    this.approvals = new ApprovalRepository(pool, notifier);
    this.mcp = new McpRepository(pool);
    this.notificationDeliveries = new NotificationDeliveryRepository(pool);
    this.chainChecks = new ChainCheckRepository(pool);
    this.memory = new MemoryRepository(pool, vectors);
  }

  public static Store open(Vertx vertx, DatabaseConfig config) {
    return new Store(
        Database.pool(vertx, config),
        Database.notifyPool(vertx, config.url(), config.applicationName() + "-notify"));
  }

  public EventRepository events() {
    return events;
  }

  public LifecycleRepository lifecycle() {
    return lifecycle;
  }

  public AgentRepository agents() {
    return agents;
  }

  public WebhookRepository webhooks() {
    return webhooks;
  }

  /** Workspaces, members, invitations and API tokens. */
  public TeamRepository team() {
    return team;
  }

  public CredentialRepository credentials() {
    return credentials;
  }

  /** Creates made once per {@code Idempotency-Key}. */
  public IdempotencyRepository idempotency() {
    return idempotency;
  }

  public ScheduleRepository schedules() {
    return schedules;
  }

  public WakeRepository wakes() {
    return wakes;
  }

  public TimerRepository timers() {
    return timers;
  }

  /** Approvals of gated tool calls (V18): read, decided by operators, settled by wakes. */
  public ApprovalRepository approvals() {
    return approvals;
  }

  /** Remote MCP servers and agents' grants of their tools (V20). */
  public McpRepository mcp() {
    return mcp;
  }

  public HistoryRepository history() {
    return history;
  }

  public ModelCallRepository modelCalls() {
    return modelCalls;
  }

  /** The audit trail: who did what, per workspace, hash-chained. */
  public AuditRepository audit() {
    return audit;
  }

  public AuthRepository auth() {
    return auth;
  }

  /** Single sign-on: logins in progress and the sign-ins they end in. */
  public SsoRepository sso() {
    return sso;
  }

  /** The outbound notification outbox as deliverers work it (across workspaces). */
  public NotificationDeliveryRepository notificationDeliveries() {
    return notificationDeliveries;
  }

  /** Notification subscriptions and deliveries (unscoped: tests and tools). */
  public NotificationRepository notifications() {
    return new NotificationRepository(pool);
  }

  /** The periodic incremental check of the event and audit chains. */
  public ChainCheckRepository chainChecks() {
    return chainChecks;
  }

  /** The memory index over every agent's log (docs/memory.md). */
  public MemoryRepository memory() {
    return memory;
  }

  public HealthRepository health() {
    return health;
  }

  public Pool pool() {
    return pool;
  }

  /**
   * The repositories the operator API reads and writes workspace data through: each of their
   * transactions runs as {@value ScopedPool#ROLE} with only {@code workspaceId} in scope, so
   * PostgreSQL's row-level security (V17) hides every other workspace's rows even from a statement
   * that forgot its own filter.
   */
  public InWorkspaces inWorkspace(UUID workspaceId) {
    return new InWorkspaces(new ScopedPool(pool, List.of(workspaceId)));
  }

  /** As {@link #inWorkspace}, for several workspaces at once (a batch of messages). */
  public InWorkspaces inWorkspaces(Collection<UUID> workspaceIds) {
    return new InWorkspaces(new ScopedPool(pool, workspaceIds));
  }

  /** The workspace-data repositories over one {@link ScopedPool}. */
  public final class InWorkspaces {
    private final Pool scoped;

    private InWorkspaces(Pool scoped) {
      this.scoped = scoped;
    }

    public AgentRepository agents() {
      return new AgentRepository(scoped, notifier);
    }

    public EventRepository events() {
      return new EventRepository(scoped, notifier);
    }

    public ScheduleRepository schedules() {
      return new ScheduleRepository(scoped, notifier);
    }

    public TimerRepository timers() {
      return new TimerRepository(scoped, notifier);
    }

    public CredentialRepository credentials() {
      return new CredentialRepository(scoped);
    }

    public IdempotencyRepository idempotency() {
      return new IdempotencyRepository(scoped);
    }

    public HistoryRepository history() {
      return new HistoryRepository(scoped);
    }

    public ModelCallRepository modelCalls() {
      return new ModelCallRepository(scoped);
    }

    public TeamRepository team() {
      return new TeamRepository(scoped, notifier);
    }

    public AuditRepository audit() {
      return new AuditRepository(scoped);
    }

    public ApprovalRepository approvals() {
      return new ApprovalRepository(scoped, notifier);
    }

    public McpRepository mcp() {
      return new McpRepository(scoped);
    }

    /** Outbound notification subscriptions and their deliveries. */
    public NotificationRepository notifications() {
      return new NotificationRepository(scoped);
    }

    /** Memory search over the workspace's agents. */
    public MemoryRepository memory() {
      return new MemoryRepository(scoped, vectors);
    }

    /** The scoped pool itself (tests: a statement with no filter of its own). */
    public Pool pool() {
      return scoped;
    }
  }

  public Future<Void> closeAsync() {
    return Future.join(pool.close(), notifyPool.close()).mapEmpty();
  }

  @Override
  public void close() {
    closeAsync();
  }
}
