"""Every table, one per module; importing this package registers them all on `Base.metadata`."""

from voicebox.models.abonent import Abonent
from voicebox.models.audio_file import AudioFile
from voicebox.models.authorization_code import AuthorizationCode
from voicebox.models.call import Call
from voicebox.models.campaign import Campaign
from voicebox.models.campaign_count import CampaignBranchCount, CampaignOutcomeCount
from voicebox.models.customer import Customer
from voicebox.models.history_mark import HistoryCount, HistoryMark, HistorySweep, HistoryWatch
from voicebox.models.ledger_entry import LedgerEntry
from voicebox.models.login_failure import LoginFailure
from voicebox.models.number_order import NumberOrder
from voicebox.models.oauth_client import OAuthClient
from voicebox.models.oauth_token import OAuthToken
from voicebox.models.phone_number import PhoneNumber
from voicebox.models.scenario import Scenario
from voicebox.models.user import User

__all__ = [
    "Abonent",
    "AudioFile",
    "AuthorizationCode",
    "Call",
    "Campaign",
    "CampaignBranchCount",
    "CampaignOutcomeCount",
    "Customer",
    "HistoryCount",
    "HistoryMark",
    "HistorySweep",
    "HistoryWatch",
    "LedgerEntry",
    "LoginFailure",
    "NumberOrder",
    "OAuthClient",
    "OAuthToken",
    "PhoneNumber",
    "Scenario",
    "User",
]
