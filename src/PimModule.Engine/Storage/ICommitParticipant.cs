namespace PimModule.Storage;

/// <summary>
/// Something a unit of work must write before it commits (the outbox's messages, the audit chain's head, the mails
/// of a batch of assignments). The service layer enlists participants on the unit of work; the unit of work runs them
/// in <see cref="Order"/> and then commits — storage never calls the domain by name.
/// </summary>
internal interface ICommitParticipant
{
    /// <summary>Lower runs first; a participant may enlist others with a higher order while it runs.</summary>
    int Order { get; }

    void BeforeCommit(UnitOfWork work);
}
