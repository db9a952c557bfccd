// SPDX-License-Identifier: Apache-2.0
// Pinned to the compiler the build uses (solc-js 0.8.37) so the deployed bytecode is reproducible.
pragma solidity 0.8.37;

/// @title Airlock PCR0 registry
/// @notice Public list of the Nitro Enclave measurements (PCR0, 48 bytes) an owner vouches for.
///         A client that attested a signer asks `isPCR0Active(pcr0)` and accepts the signer only
///         when the answer is active AND the owner is the address it pins.
/// @dev ABI-compatible with Usenami's UsenamiAttestationRegistry (same struct, getters,
///      functions, events and errors), with three fixes:
///      1. A measurement is bound forever to the first address that registers it
///         (`firstOwnerByHash`). Usenami cleared its only mapping on deprecation, so anyone could
///         re-register a retired PCR0 and become its "owner" (their finding H-1). Here only the
///         first owner may ever register those bytes again.
///      2. Registering does not retire the owner's previous measurement: an owner can run the old
///         and the new build side by side during a rollout and retire the old one afterwards,
///         so a PCR0 rotation has no window in which no build is accepted.
///      3. The description is bounded (MAX_DESCRIPTION_LENGTH bytes).
///      No admin, no proxy, no selfdestruct, no payable entry point: nobody but an owner can
///      change an owner's records, and the rules above cannot be changed after deployment.
///
///      Invariants (checked by the model-based test):
///      - `activePCR0OwnerByHash[h] != 0` ⇒ it equals `firstOwnerByHash[h]`, and the record
///        `_activeIndexPlusOne[h] - 1` of that owner has hash h and `deprecatedAt == 0`.
///      - A record with `deprecatedAt > 0` is never the active record of its hash; when the
///        latest record of a hash is deprecated, `activePCR0OwnerByHash[h] == 0`.
///      - At most one record per hash, across all owners, has `deprecatedAt == 0`.
contract AirlockPcr0Registry {
    /// @notice One registration, kept forever in the owner's history (append-only).
    /// @param pcr0 The 48-byte measurement.
    /// @param registeredAt Block timestamp of the registration.
    /// @param deprecatedAt Block timestamp of the deprecation, 0 while active.
    /// @param buildHash Free 32-byte reference to the build (e.g. a source commit or image digest).
    /// @param description Human-readable note, at most MAX_DESCRIPTION_LENGTH bytes.
    struct PCR0Record {
        bytes pcr0;
        uint64 registeredAt;
        uint64 deprecatedAt;
        bytes32 buildHash;
        string description;
    }

    /// @notice Length of a Nitro PCR (SHA-384).
    uint256 public constant PCR0_LENGTH = 48;

    /// @notice Bound on `description`, in bytes, so a record's storage and event cost stay small.
    uint256 public constant MAX_DESCRIPTION_LENGTH = 256;

    /// @notice Every registration of every owner, oldest first.
    mapping(address => PCR0Record[]) public records;

    /// @notice keccak256(pcr0) → owner while that measurement is active, else address(0).
    mapping(bytes32 => address) public activePCR0OwnerByHash;

    /// @notice keccak256(pcr0) → the address that first registered it. Never cleared: this is
    ///         what stops a squatter from re-registering a retired measurement.
    mapping(bytes32 => address) public firstOwnerByHash;

    /// @dev keccak256(pcr0) → 1 + index of the active record in its owner's history, 0 when not
    ///      active. Lets `deprecatePCR0` find the record without scanning the history.
    mapping(bytes32 => uint256) private _activeIndexPlusOne;

    /// @notice A measurement became active for `owner`.
    event PCR0Registered(
        address indexed owner, bytes32 indexed pcr0Hash, bytes pcr0, bytes32 buildHash, string description
    );

    /// @notice A measurement of `owner` was retired.
    event PCR0Deprecated(address indexed owner, bytes32 indexed pcr0Hash, bytes pcr0);

    /// @notice The measurement is already active (for the caller).
    error PCR0AlreadyRegistered();
    /// @notice The measurement is not active.
    error PCR0NotFound();
    /// @notice The measurement is active for another owner.
    error NotOwnerOfPCR0();
    /// @notice The measurement is not exactly PCR0_LENGTH bytes.
    error InvalidPCR0Length();
    /// @notice The measurement was first registered by another address, which keeps it forever.
    error PCR0OwnedByAnother();
    /// @notice The description is longer than MAX_DESCRIPTION_LENGTH bytes.
    error DescriptionTooLong();

    modifier validPCR0(bytes calldata pcr0) {
        if (pcr0.length != PCR0_LENGTH) revert InvalidPCR0Length();
        _;
    }

    /// @notice Make `pcr0` active for the caller. The caller's other active measurements stay
    ///         active (rotation without a gap); retire them with `deprecatePCR0`.
    /// @dev The caller becomes the permanent owner of `pcr0` if nobody registered it before;
    ///      a retired measurement can be registered again only by that same owner, which appends
    ///      a new record (history is never rewritten).
    function registerPCR0(bytes calldata pcr0, bytes32 buildHash, string calldata description)
        external
        validPCR0(pcr0)
    {
        if (bytes(description).length > MAX_DESCRIPTION_LENGTH) revert DescriptionTooLong();
        bytes32 pcr0Hash = keccak256(pcr0);

        // The permanent binding is checked first, so a squatter gets the same answer whether
        // the measurement is active or retired.
        address first = firstOwnerByHash[pcr0Hash];
        if (first == address(0)) {
            firstOwnerByHash[pcr0Hash] = msg.sender;
        } else if (first != msg.sender) {
            revert PCR0OwnedByAnother();
        }
        if (activePCR0OwnerByHash[pcr0Hash] != address(0)) revert PCR0AlreadyRegistered();

        PCR0Record[] storage history = records[msg.sender];
        history.push(
            PCR0Record({
                pcr0: pcr0,
                registeredAt: uint64(block.timestamp),
                deprecatedAt: 0,
                buildHash: buildHash,
                description: description
            })
        );
        activePCR0OwnerByHash[pcr0Hash] = msg.sender;
        _activeIndexPlusOne[pcr0Hash] = history.length;

        emit PCR0Registered(msg.sender, pcr0Hash, pcr0, buildHash, description);
    }

    /// @notice Retire one of the caller's active measurements. Clients stop accepting it at once.
    function deprecatePCR0(bytes calldata pcr0) external validPCR0(pcr0) {
        bytes32 pcr0Hash = keccak256(pcr0);
        address owner = activePCR0OwnerByHash[pcr0Hash];
        if (owner == address(0)) revert PCR0NotFound();
        if (owner != msg.sender) revert NotOwnerOfPCR0();

        records[msg.sender][_activeIndexPlusOne[pcr0Hash] - 1].deprecatedAt = uint64(block.timestamp);
        delete activePCR0OwnerByHash[pcr0Hash];
        delete _activeIndexPlusOne[pcr0Hash];

        emit PCR0Deprecated(msg.sender, pcr0Hash, pcr0);
    }

    /// @notice Whether `pcr0` is active, and for whom. Clients MUST compare `owner` with the
    ///         address they trust: being active only means somebody registered it.
    /// @dev Never reverts: bytes of any other length were never registered, so they are not active.
    function isPCR0Active(bytes calldata pcr0) external view returns (bool active, address owner) {
        owner = activePCR0OwnerByHash[keccak256(pcr0)];
        active = owner != address(0);
    }

    /// @notice Every record of `owner`, oldest first, active and retired.
    function getOwnerHistory(address owner) external view returns (PCR0Record[] memory) {
        return records[owner];
    }

    /// @notice The most recently registered record of `owner` that is still active.
    /// @dev Scans the history backwards; it only grows by the owner's own transactions.
    function getActivePCR0(address owner) external view returns (PCR0Record memory) {
        PCR0Record[] storage history = records[owner];
        for (uint256 i = history.length; i > 0; --i) {
            if (history[i - 1].deprecatedAt == 0) return history[i - 1];
        }
        revert PCR0NotFound();
    }
}
